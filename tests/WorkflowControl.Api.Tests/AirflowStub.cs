using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests;

/// <summary>
/// Airflow 2.10 for the API's tests: WireMock answering with responses recorded from a real Airflow 2.10.0
/// (the contract folder of the Airflow client's tests), re-addressed to the DAG and run under test.
/// The Airflow client's own tests check every exchange against the official OpenAPI documents.
/// DAGs and import errors come from the DAG files the test API writes, imported into the strict Airflow double
/// (<see cref="AirflowDagFolder"/>): a DAG is parsed only when its file imports.
/// </summary>
public static class AirflowStub
{
    public static WireMockServer Server { get; } = WireMockServer.Start();

    public static AirflowDagFolder DagFiles { get; } = AirflowDagFolder.Serve(Server, ApiFixture.DagsRoot);

    public static JsonNode Recorded(string file, string dagId, string runId) => RecordedAirflow.Body(file, dagId, runId);

    public static void Json(string method, string path, int status, JsonNode body) => Server.Json(method, path, status, body);

    /// <summary>Answers <paramref name="method"/> <paramref name="path"/> (wildcards allowed) on another WireMock server, e.g. a test's own Airflow.</summary>
    public static void Json(this WireMockServer server, string method, string path, int status, JsonNode body) =>
        server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body.ToJsonString()));

    /// <summary>The JSON bodies the API sent to <paramref name="path"/>.</summary>
    public static IReadOnlyList<JsonNode> Sent(string method, string path) =>
        Server.LogEntries
            .Where(e => e.RequestMessage?.Path == path && e.RequestMessage.Method == method)
            .Select(e => JsonNode.Parse(e.RequestMessage!.Body ?? "null")!)
            .ToList();

    public static string RunsPath(string dagId) => $"/api/v1/dags/{dagId}/dagRuns";

    public static JsonObject DagRun(string dagId, string runId, string state, string runType = "manual")
    {
        var run = (JsonObject)Recorded("13-trigger-dag-run.json", dagId, runId);
        run["state"] = state;
        run["run_type"] = runType;
        return run;
    }

    /// <summary>Airflow's recorded task instance list, one per task in the given state; started tasks started at <paramref name="started"/>.</summary>
    public static JsonObject TaskInstances(string dagId, string runId, DateTimeOffset started, params (string Task, string? State)[] tasks)
    {
        var recorded = Recorded("22-task-instances-of-run.json", dagId, runId)["task_instances"]![0]!;
        var instances = new JsonArray();
        foreach (var (task, state) in tasks)
        {
            var instance = recorded.DeepClone().AsObject();
            instance["task_id"] = task;
            instance["task_display_name"] = task;
            instance["state"] = state;
            instance["start_date"] = state is null ? null : started.ToString("O");
            instance["end_date"] = state is "success" or "failed" or "upstream_failed" ? started.AddSeconds(9).ToString("O") : null;
            instances.Add(instance);
        }

        return new JsonObject { ["task_instances"] = instances, ["total_entries"] = instances.Count };
    }

    public static string Serialize(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
