using System.Text.Json;

namespace WorkflowControl.Core.Workflows;

/// <summary>One difference between two versions, located by a JSON pointer into the version it exists in.</summary>
public sealed record WorkflowChange(string Pointer, string Kind, JsonElement? Before, JsonElement? After);

/// <summary>
/// A readable diff of two workflow documents as a list of changes. Arrays of objects with an "id" (tasks) are
/// matched by id, so inserting a task reads as one addition rather than every later task changing.
/// </summary>
public static class WorkflowDiff
{
    public static IReadOnlyList<WorkflowChange> Compare(JsonElement before, JsonElement after)
    {
        var changes = new List<WorkflowChange>();
        Walk(before, after, "", changes);
        return changes;
    }

    private static void Walk(JsonElement a, JsonElement b, string pointer, List<WorkflowChange> changes)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            var left = a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            var right = b.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            foreach (var (name, value) in left)
            {
                var at = $"{pointer}/{WorkflowValidator.Escape(name)}";
                if (right.TryGetValue(name, out var other))
                {
                    Walk(value, other, at, changes);
                }
                else
                {
                    changes.Add(new(at, "removed", value.Clone(), null));
                }
            }

            foreach (var (name, value) in right.Where(p => !left.ContainsKey(p.Key)))
            {
                changes.Add(new($"{pointer}/{WorkflowValidator.Escape(name)}", "added", null, value.Clone()));
            }

            return;
        }

        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array && IsKeyedById(a) && IsKeyedById(b))
        {
            var left = a.EnumerateArray().Select((e, i) => (Id: e.GetProperty("id").GetString()!, Element: e, Index: i)).ToList();
            var right = b.EnumerateArray().Select((e, i) => (Id: e.GetProperty("id").GetString()!, Element: e, Index: i)).ToDictionary(x => x.Id, StringComparer.Ordinal);
            foreach (var item in left)
            {
                if (right.Remove(item.Id, out var match))
                {
                    Walk(item.Element, match.Element, $"{pointer}/{match.Index}", changes);
                }
                else
                {
                    changes.Add(new($"{pointer}/{item.Index}", "removed", item.Element.Clone(), null));
                }
            }

            foreach (var added in right.Values.OrderBy(x => x.Index))
            {
                changes.Add(new($"{pointer}/{added.Index}", "added", null, added.Element.Clone()));
            }

            return;
        }

        if (!JsonElement.DeepEquals(a, b))
        {
            changes.Add(new(pointer, "changed", a.Clone(), b.Clone()));
        }
    }

    private static bool IsKeyedById(JsonElement array) =>
        array.GetArrayLength() > 0 && array.EnumerateArray().All(e =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String);
}
