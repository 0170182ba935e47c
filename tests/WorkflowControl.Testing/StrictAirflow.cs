using System.Text;
using System.Text.Json;

namespace WorkflowControl.Testing;

/// <summary>
/// What importing a DAG file into the strict Airflow double said (<c>airflow/strict_airflow/check_dags.py</c>):
/// whether it imported, the exception's last line and the file's line where it failed, and the DAGs it defined.
/// </summary>
public sealed record DagImport(bool Ok, string? Error, int? Line, JsonElement Json)
{
    /// <summary>When the file failed: the stack trace Airflow 2.10's DagBag records for it (its last two frames).</summary>
    public string? StackTrace => Json.TryGetProperty("stack_trace", out var trace) && trace.ValueKind == JsonValueKind.String ? trace.GetString() : null;

    public IReadOnlyList<JsonElement> Dags => [.. Json.GetProperty("dags").EnumerateArray()];

    public JsonElement Dag => Dags.Single();

    public IReadOnlyList<JsonElement> Tasks => [.. Dag.GetProperty("tasks").EnumerateArray()];

    public JsonElement Task(string taskId) => Tasks.Single(t => t.GetProperty("task_id").GetString() == taskId);

    /// <summary>With <see cref="StrictAirflow.Run"/>: each task's state, result (its XCom) or error, and log.</summary>
    public IReadOnlyList<JsonElement> RunTasks => [.. Json.GetProperty("run").GetProperty("tasks").EnumerateArray()];

    public override string ToString() => Ok ? "imported" : $"import error at line {Line}: {Error}";
}

/// <summary>
/// Imports (and runs) generated DAG files with Debian's Python against the strict double of one Airflow generation,
/// built from the authoring data taken from Airflow itself. One Python process per batch of files.
/// </summary>
public static class StrictAirflow
{
    public static readonly string[] Generations = ["2.10", "3.2"];

    public static string Script { get; } = RepositoryRoot.Combine("airflow", "strict_airflow", "check_dags.py");

    /// <summary>Imports every file (key → Python source) and returns what the double said of each.</summary>
    public static IReadOnlyDictionary<string, DagImport> Import(string generation, IReadOnlyDictionary<string, string> filesByKey)
    {
        var dir = Directory.CreateTempSubdirectory("wfc-airflow-import-");
        try
        {
            var paths = Python.WriteFiles(dir.FullName, filesByKey);
            var byPath = ImportFiles(generation, [.. paths.Values]);
            return paths.ToDictionary(p => p.Key, p => byPath[p.Value], StringComparer.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Imports files already on disk; keyed by path.</summary>
    public static IReadOnlyDictionary<string, DagImport> ImportFiles(string generation, IReadOnlyList<string> paths, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (paths.Count == 0)
        {
            return new Dictionary<string, DagImport>();
        }

        var (_, output, errors) = RunScript(["--airflow", generation, .. paths], environment);
        var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToDictionary(r => r.Json.GetProperty("file").GetString()!, StringComparer.Ordinal);
        var missing = paths.Where(p => !results.ContainsKey(p)).ToList();
        return missing.Count == 0
            ? results
            : throw new InvalidOperationException($"check_dags.py gave no answer for {missing.Count} file(s); it said: {errors}");
    }

    /// <summary>
    /// Imports one DAG file and executes every task in dependency order with an Airflow-shaped context
    /// (<c>ti.xcom_pull</c>, params, run_id, ds, ts, dag_run.conf), with <paramref name="environment"/> added
    /// (e.g. <c>WORKFLOWCONTROL_SHARED_DATA</c>).
    /// </summary>
    public static DagImport Run(string generation, string dagFile, string runId, DateTimeOffset logicalDate, object? conf, IReadOnlyDictionary<string, string> environment)
    {
        var runFile = Path.Combine(Path.GetTempPath(), $"wfc-run-{Guid.NewGuid():N}.json");
        File.WriteAllText(runFile, JsonSerializer.Serialize(new { run_id = runId, logical_date = logicalDate.ToString("o"), conf = conf ?? new { } }));
        try
        {
            var (_, output, errors) = RunScript(["--airflow", generation, "--run", runFile, dagFile], environment);
            var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).SingleOrDefault()
                ?? throw new InvalidOperationException("check_dags.py --run gave no answer; it said: " + errors);
            return Parse(line);
        }
        finally
        {
            File.Delete(runFile);
        }
    }

    private static DagImport Parse(string line)
    {
        var json = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 512 }).RootElement.Clone();
        var error = json.GetProperty("error");
        var at = json.GetProperty("line");
        return new DagImport(
            json.GetProperty("ok").GetBoolean(),
            error.ValueKind == JsonValueKind.String ? error.GetString() : null,
            at.ValueKind == JsonValueKind.Number ? at.GetInt32() : null,
            json);
    }

    private static (int Exit, string Output, string Errors) RunScript(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment) =>
        Python.RunSplit([Script, .. args], environment);
}
