using System.Text.Json;

namespace WorkflowControl.Api.Features.History;

/// <summary>One stored revision (a <c>workflow_versions</c> row): every accepted edit makes one.</summary>
public sealed record Revision(int Version, DateTimeOffset At, Guid By, string ByName);

/// <summary>What may end a burst besides a pause: a name, a deployment, a restore.</summary>
public sealed record BurstMarks(
    IReadOnlyDictionary<int, string> Names,
    IReadOnlySet<int> Deployed,
    IReadOnlyDictionary<int, int> RestoredFrom);

/// <summary>A version as people see it: the revisions <see cref="First"/>..<see cref="Last"/>, ended for <see cref="Cut"/>.</summary>
public sealed record Burst(int First, int Last, string Cut);

/// <summary>
/// Cuts the fine-grained revision log into versions that mean something. The operation log keeps every keystroke's
/// revision (collaboration replays and orders by them); a version is the state at the end of an editing burst: when
/// nobody edited for <c>gap</c>, when it was named, deployed or made by a restore, or just before a restore (so the
/// restore stands alone). The open burst at the head is "editing" while its last edit is younger than the gap.
/// Computed when read, so the rule applies to history recorded before it existed too.
/// </summary>
public static class VersionBursts
{
    public static IReadOnlyList<Burst> Cut(IReadOnlyList<Revision> ascending, BurstMarks marks, TimeSpan gap, DateTimeOffset now)
    {
        var bursts = new List<Burst>();
        var first = 0;
        for (var i = 0; i < ascending.Count; i++)
        {
            var revision = ascending[i];
            var next = i + 1 < ascending.Count ? ascending[i + 1] : null;
            var cut = CutAfter(revision, next, marks, gap, now);
            if (cut is not null)
            {
                bursts.Add(new Burst(ascending[first].Version, revision.Version, cut));
                first = i + 1;
            }
        }

        return bursts;
    }

    private static string? CutAfter(Revision revision, Revision? next, BurstMarks marks, TimeSpan gap, DateTimeOffset now) =>
        marks.Names.ContainsKey(revision.Version) ? "named"
        : marks.Deployed.Contains(revision.Version) ? "deployed"
        : marks.RestoredFrom.ContainsKey(revision.Version) ? "restored"
        : next is null ? (now - revision.At < gap ? "editing" : "pause")
        : marks.RestoredFrom.ContainsKey(next.Version) ? "restore"
        : next.At - revision.At >= gap ? "pause"
        : null;

    /// <summary>The people of a burst, the one with most edits first (then the latest), as display names.</summary>
    public static IReadOnlyList<string> AuthorsOf(IEnumerable<Revision> revisions) =>
        revisions.GroupBy(r => r.By)
            .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(r => r.Version))
            .Select(g => g.Last().ByName)
            .ToList();
}

/// <summary>How big a version's change is, in steps.</summary>
public sealed record ChangeSize(int StepsAdded, int StepsRemoved, int StepsChanged, int OtherChanges);

public static class StepChanges
{
    /// <summary>
    /// Steps matched by id: added, removed, or changed in type, settings or inputs. Moving a step on the canvas is not a
    /// change of the step. Other changes count the workflow's own fields (name, schedule, parameters, ...).
    /// </summary>
    public static ChangeSize Between(JsonElement? before, JsonElement after)
    {
        var left = Steps(before);
        var right = Steps(after);
        var changed = right.Count(s => left.TryGetValue(s.Key, out var old) && !JsonElement.DeepEquals(old, s.Value));
        var other = before is null ? 0 : Core.Workflows.WorkflowDiff.Compare(WithoutSteps(before.Value), WithoutSteps(after)).Count;
        return new ChangeSize(right.Keys.Count(k => !left.ContainsKey(k)), left.Keys.Count(k => !right.ContainsKey(k)), changed, other);
    }

    private static Dictionary<string, JsonElement> Steps(JsonElement? document)
    {
        var steps = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (document is { } d && d.TryGetProperty("spec", out var spec) && spec.TryGetProperty("tasks", out var tasks) && tasks.ValueKind == JsonValueKind.Array)
        {
            foreach (var task in tasks.EnumerateArray())
            {
                if (task.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    steps[id.GetString()!] = task;
                }
            }
        }

        return steps;
    }

    // The document without its steps and layout: what remains are the workflow's own settings.
    private static JsonElement WithoutSteps(JsonElement document)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(document.GetRawText())!.AsObject();
        node.Remove("layout");
        if (node["spec"] is System.Text.Json.Nodes.JsonObject spec)
        {
            spec.Remove("tasks");
        }

        return JsonSerializer.SerializeToElement(node);
    }
}
