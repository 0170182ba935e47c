using System.Text.Json;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests.Running;

/// <summary>
/// A shared-data root, a secrets folder and a dags folder of one test's own: a workflow is rendered into a DAG file
/// there and run through that file against the strict Airflow double, as a worker would run it.
/// </summary>
public sealed class DagRunSandbox : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("wfc-run-");

    public string SharedData => Path.Combine(_root.FullName, "shared");

    /// <summary>The owner's files folder, where CSV sources are read and exports written.</summary>
    public string Files => Path.Combine(SharedData, GoldenCases.OwnerId.ToString("D"), "files");

    public void WriteFile(string relative, string content)
    {
        var path = Path.Combine(Files, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public string ReadFile(string relative) => File.ReadAllText(Path.Combine(Files, relative)).ReplaceLineEndings("\n");

    public byte[] ReadBytes(string relative) => File.ReadAllBytes(Path.Combine(Files, relative));

    /// <summary>A named secret of the owner, as the task library reads it.</summary>
    public void Secret(string name, string value)
    {
        var folder = Path.Combine(_root.FullName, "secrets", GoldenCases.OwnerId.ToString("D"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name), value + "\n");
    }

    /// <summary>Renders <paramref name="workflowJson"/>, writes its DAG file and runs every task through it.</summary>
    public DagImport Run(string generation, string workflowJson, object? conf = null, string runId = "manual__2024-05-01T06:00:00+00:00")
    {
        var document = JsonSerializer.Deserialize<WorkflowDocument>(workflowJson, WorkflowJson.Options)!;
        var dagFile = Path.Combine(_root.FullName, "dags", "wf.py");
        Directory.CreateDirectory(Path.GetDirectoryName(dagFile)!);
        File.WriteAllText(dagFile, new DagRenderer().Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, 1).Content);
        return StrictAirflow.Run(generation, dagFile, runId, new DateTimeOffset(2024, 5, 1, 6, 0, 0, TimeSpan.Zero), conf, new Dictionary<string, string>
        {
            ["WORKFLOWCONTROL_SHARED_DATA"] = SharedData,
            ["WORKFLOWCONTROL_SECRETS_DIR"] = Path.Combine(_root.FullName, "secrets"),
            // The test's own servers listen on loopback, which the library refuses unless an administrator allows it.
            ["WORKFLOWCONTROL_ALLOWED_HOSTS"] = "127.0.0.1",
        });
    }

    public static string States(DagImport run) =>
        string.Join(", ", run.RunTasks.Select(t => $"{t.GetProperty("task_id").GetString()}={t.GetProperty("state").GetString()}"))
        + string.Concat(run.RunTasks.Where(t => t.TryGetProperty("error", out _)).Select(t => "\n" + t.GetProperty("task_id").GetString() + ": " + t.GetProperty("error").GetString()));

    public static void AssertSucceeded(DagImport run)
    {
        Assert.That(run.Ok, Is.True, run + "\n" + (run.Json.TryGetProperty("run", out _) ? States(run) : ""));
        Assert.That(run.RunTasks.Select(t => t.GetProperty("state").GetString()), Is.All.EqualTo("success"), States(run));
    }

    public void Dispose() => _root.Delete(recursive: true);
}
