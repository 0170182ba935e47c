using System.Text.RegularExpressions;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Infrastructure;

/// <summary>
/// Dependencies point down (docs/architecture.md, "Rooms"): infrastructure never reaches up into a feature, and no
/// feature uses a feature that uses it back, directly or round a longer loop. Read from the source: `using` lines,
/// fully qualified names, and names qualified from a sibling namespace (`History.VersionHistory`) alike.
/// </summary>
public sealed partial class FeatureDependencyTests
{
    private static readonly string ApiRoot = RepositoryRoot.Combine("backend", "WorkflowControl.Api");

    [GeneratedRegex(@"WorkflowControl\.Api\.Features\.(\w+)")]
    private static partial Regex FeatureReference();

    [GeneratedRegex(@"\b(\w+)\.(\w+)\b")]
    private static partial Regex QualifiedName();

    /// <summary>A type declared at the top of a file (nested types are indented), e.g. "public static class VersionHistory".</summary>
    [GeneratedRegex(@"^(?:public|internal)\s+(?:(?:static|sealed|abstract|partial|readonly)\s+)*(?:class|record|interface|enum|struct)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    /// <summary>Folder (e.g. "Features/Runs" or "Infrastructure/Auth") → the feature folders its files name.</summary>
    private static Dictionary<string, SortedSet<string>> Graph()
    {
        var files = Directory.EnumerateFiles(ApiRoot, "*.cs", SearchOption.AllDirectories).ToList();
        // Feature folder name → the types it declares, to recognise "History.VersionHistory" written inside Features.
        var featureTypes = files
            .Select(f => (Parts: Path.GetRelativePath(ApiRoot, f).Replace('\\', '/').Split('/'), File: f))
            .Where(f => f.Parts.Length == 3 && f.Parts[0] == "Features")
            .SelectMany(f => TopLevelType().Matches(File.ReadAllText(f.File)).Select(m => (Feature: f.Parts[1], Type: m.Groups[1].Value)))
            .ToHashSet();
        var graph = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(ApiRoot, file).Replace('\\', '/');
            var parts = relative.Split('/');
            if (parts.Length < 3 || parts[0] is not ("Features" or "Infrastructure"))
            {
                continue; // Program.cs wires everything; bin/ and obj/ are not source
            }

            var room = $"{parts[0]}/{parts[1]}";
            var uses = graph.TryGetValue(room, out var set) ? set : graph[room] = new SortedSet<string>(StringComparer.Ordinal);
            var text = File.ReadAllText(file);
            var named = FeatureReference().Matches(text).Select(m => m.Groups[1].Value)
                .Concat(QualifiedName().Matches(text).Where(m => featureTypes.Contains((m.Groups[1].Value, m.Groups[2].Value))).Select(m => m.Groups[1].Value));
            foreach (var feature in named)
            {
                var used = "Features/" + feature;
                if (used != room)
                {
                    uses.Add(used);
                }
            }
        }

        return graph;
    }

    [Test]
    public void Infrastructure_uses_no_feature()
    {
        var upward = Graph().Where(r => r.Key.StartsWith("Infrastructure/", StringComparison.Ordinal))
            .SelectMany(r => r.Value.Select(used => $"{r.Key} → {used}"));

        Assert.That(upward, Is.Empty);
    }

    [Test]
    public void No_feature_depends_on_a_feature_that_depends_on_it()
    {
        var graph = Graph();
        var cycles = new List<string>();
        foreach (var start in graph.Keys.Where(k => k.StartsWith("Features/", StringComparison.Ordinal)))
        {
            // A path from one of start's dependencies back to start is a loop.
            var path = PathBetween(graph, start);
            if (path is not null)
            {
                cycles.Add(string.Join(" → ", path));
            }
        }

        Assert.That(cycles, Is.Empty);
    }

    private static List<string>? PathBetween(Dictionary<string, SortedSet<string>> graph, string start)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var next in graph.GetValueOrDefault(start) ?? [])
        {
            previous[next] = start;
            queue.Enqueue(next);
        }

        while (queue.TryDequeue(out var room))
        {
            if (room == start)
            {
                var path = new List<string> { start };
                for (var at = previous[start]; at != start; at = previous[at])
                {
                    path.Insert(0, at);
                }

                path.Insert(0, start);
                return path;
            }

            foreach (var next in graph.GetValueOrDefault(room) ?? [])
            {
                if (previous.TryAdd(next, room))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }

    [Test]
    public void The_check_sees_a_loop_when_there_is_one()
    {
        var graph = new Dictionary<string, SortedSet<string>>
        {
            ["Features/A"] = ["Features/B"],
            ["Features/B"] = ["Features/C"],
            ["Features/C"] = ["Features/A"],
        };

        Assert.That(PathBetween(graph, "Features/A"), Is.EqualTo(new[] { "Features/A", "Features/B", "Features/C", "Features/A" }));
        Assert.That(Graph(), Has.Count.GreaterThan(10), "the source folders were not found");
    }
}
