using System.Text.Json;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests;

/// <summary>The golden cases beside the tests: <c>cases/NNN-name.workflow.json</c> with an expected file or error.</summary>
public static class GoldenCases
{
    public static readonly Guid WorkflowId = Guid.Parse("6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
    public static readonly Guid OwnerId = Guid.Parse("0a2b4c6d-8e0f-4a1b-9c2d-3e4f5a6b7c8d");
    public static readonly DagOwner Owner = new(OwnerId, "Ada Lovelace");
    public const int Version = 3;

    /// <summary>
    /// The catalog as the task library defines it, read from its folder (not from the Core assembly, so a file
    /// the build failed to embed still counts as a task type the golden cases must cover).
    /// </summary>
    public static EmbeddedTaskCatalog Catalog { get; } = new(
        System.IO.Directory.GetFiles(RepositoryRoot.Combine("airflow", "src", "workflowcontrol_tasks", "catalog"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText));

    public static string Directory { get; } = RepositoryRoot.Combine("tests", "WorkflowControl.Dags.Tests", "cases");

    /// <summary>Set UPDATE_GOLDEN=1 to rewrite the expected files from the current output.</summary>
    public static bool Update => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.workflow.json")
            .Select(f => Path.GetFileName(f)[..^".workflow.json".Length])
            .Order(StringComparer.Ordinal);

    public static string WorkflowPath(string name) => Path.Combine(Directory, name + ".workflow.json");

    public static string ExpectedPath(string name) => Path.Combine(Directory, name + ".expected.py");

    public static string ErrorPath(string name) => Path.Combine(Directory, name + ".error.txt");

    public static string Json(string name) => File.ReadAllText(WorkflowPath(name));

    public static WorkflowDocument Load(string name) =>
        JsonSerializer.Deserialize<WorkflowDocument>(Json(name), WorkflowJson.Options)
        ?? throw new InvalidDataException(name + " is empty");
}
