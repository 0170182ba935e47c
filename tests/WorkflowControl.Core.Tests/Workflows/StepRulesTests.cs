using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Testing;

namespace WorkflowControl.Core.Tests.Workflows;

/// <summary>The cases of tests/fixtures/step-rules.json, which the editor's stepRules.ts runs too.</summary>
public sealed class StepRulesTests
{
    private static readonly JsonNode Fixture = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("tests", "fixtures", "step-rules.json")))!;

    public static IEnumerable<TestCaseData> PathCases() =>
        Fixture["paths"]!.AsArray().Select(c => new TestCaseData((string)c!["path"]!, (string?)c["problem"]).SetName($"Path {JsonSerializer.Serialize((string)c["path"]!)}"));

    public static IEnumerable<TestCaseData> StepCases() =>
        Fixture["steps"]!.AsArray().Select(c => new TestCaseData((string)c!["type"]!, c["config"]!.ToJsonString(),
            c["problems"]!.AsArray().Select(p => $"{p!["field"]}: {p["message"]}").ToArray()).SetName($"Step rules: {c["name"]}"));

    [TestCaseSource(nameof(PathCases))]
    public void A_path_is_refused_as_the_task_library_refuses_it(string path, string? problem) =>
        Assert.That(StepRules.PathProblem(path), Is.EqualTo(problem));

    [TestCaseSource(nameof(StepCases))]
    public void A_step_shows_its_problems_at_their_field(string type, string config, string[] expected)
    {
        using var json = JsonDocument.Parse(config);
        Assert.That(StepRules.Check(type, json.RootElement).Select(p => $"{p.Field}: {p.Message}"), Is.EqualTo(expected));
    }
}
