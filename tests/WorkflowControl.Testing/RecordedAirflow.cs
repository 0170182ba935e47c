using System.Text.Json.Nodes;

namespace WorkflowControl.Testing;

/// <summary>Response bodies recorded from a real Airflow 2.10.0 (tests/WorkflowControl.Airflow.Tests/contract/recorded-2.10.0).</summary>
public static class RecordedAirflow
{
    private const string RecordedDag = "rec_ok";
    private const string RecordedRun = "rec_ok_run_1";

    /// <summary>The recorded response body of <paramref name="file"/>, re-addressed to the DAG and run under test.</summary>
    public static JsonNode Body(string file, string dagId, string runId)
    {
        var path = RepositoryRoot.Combine("tests", "WorkflowControl.Airflow.Tests", "contract", "recorded-2.10.0", file);
        var body = JsonNode.Parse(File.ReadAllText(path))!["response"]!["body"]!.ToJsonString();
        return JsonNode.Parse(body.Replace(RecordedRun, runId, StringComparison.Ordinal).Replace(RecordedDag, dagId, StringComparison.Ordinal))!;
    }
}
