using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>
/// A fused run seen as steps: extract -> clean -> tidy run as one Airflow task, extract__to__tidy; report runs as its
/// own task (ownTask). The group's record lies in the shared data root this API reads.
/// </summary>
public sealed class FusedRunTests
{
    private const string Group = "extract__to__tidy";
    private static readonly DateTimeOffset TryStarted = DateTimeOffset.UtcNow.AddMinutes(-5);

    private readonly string _sharedRoot = Path.Combine(Path.GetTempPath(), "wfc-shared-" + Guid.NewGuid().ToString("N")[..8]);
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
    {
        ["SharedData:Root"] = _sharedRoot,
        ["Airflow:Tracking:Enabled"] = "true",
        ["Airflow:Tracking:PollInterval"] = "00:00:00.200",
    });

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _api.DisposeAsync();
        if (Directory.Exists(_sharedRoot))
        {
            Directory.Delete(_sharedRoot, recursive: true);
        }
    }

    [Test]
    public async Task Steps_of_a_group_take_their_states_from_the_groups_record()
    {
        var workflow = await DeployedAsync();
        const string runId = "manual__2026-01-02T06_00_00";
        StubRun(workflow, runId, (Group, "failed"), ("report", "upstream_failed"));
        WriteRecord(workflow, runId, Group, """
            {"steps": {"extract": {"state": "success", "rows": 3, "columns": 2, "seconds": 0.01, "error": null, "result": null},
                       "clean": {"state": "failed", "rows": null, "columns": null, "seconds": 0.02,
                                 "error": "Step failed: task clean (test.step), field 'expression': not understood", "result": null},
                       "tidy": {"state": "upstream_failed", "rows": null, "columns": null, "seconds": null, "error": null, "result": null}}}
            """);

        var steps = await StepsAsync(workflow, runId);

        Assert.That(steps.Select(Describe), Is.EqualTo(new[]
        {
            "extract in extract__to__tidy: success, 3 rows",
            "clean in extract__to__tidy: failed, Step failed: task clean (test.step), field 'expression': not understood",
            "tidy in extract__to__tidy: upstream_failed",
            "report in report: upstream_failed",
        }));
    }

    [Test]
    public async Task A_step_of_its_own_keeps_airflows_state_and_takes_rows_and_columns_from_its_record()
    {
        var workflow = await DeployedAsync();
        const string runId = "wfc_own_task_counted";
        StubRun(workflow, runId, (Group, "success"), ("report", "success"));
        WriteRecord(workflow, runId, "report", """{"steps": {"report": {"state": "failed", "rows": 7, "columns": 3, "seconds": 0.5, "error": null, "result": null}}}""");

        var steps = await StepsAsync(workflow, runId);

        Assert.That(Describe(steps.Last()), Is.EqualTo("report in report: success, 7 rows"), "Airflow's state wins; the record adds the counts");
        Assert.That(steps.Last().GetProperty("columns").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public async Task Without_a_record_every_step_of_a_group_shows_the_groups_state()
    {
        var workflow = await DeployedAsync();
        const string runId = "wfc_fused_running";
        StubRun(workflow, runId, (Group, "running"), ("report", null));

        var steps = await StepsAsync(workflow, runId);

        Assert.That(steps.Select(Describe), Is.EqualTo(new[]
        {
            "extract in extract__to__tidy: running", "clean in extract__to__tidy: running", "tidy in extract__to__tidy: running", "report in report: ",
        }));
    }

    [Test]
    public async Task A_record_left_by_an_earlier_try_is_not_shown_for_the_next()
    {
        var workflow = await DeployedAsync();
        const string runId = "wfc_fused_retried";
        StubRun(workflow, runId, (Group, "running"), ("report", null));
        var record = WriteRecord(workflow, runId, Group, """{"steps": {"extract": {"state": "failed", "error": "the last try"}}}""");
        File.SetLastWriteTimeUtc(record, TryStarted.UtcDateTime.AddMinutes(-1));

        var steps = await StepsAsync(workflow, runId);

        Assert.That(steps.Take(3).Select(s => s.GetProperty("state").GetString()), Is.All.EqualTo("running"));
    }

    [Test]
    public async Task A_steps_log_is_its_groups_task_log()
    {
        var workflow = await DeployedAsync();
        const string runId = "wfc_fused_log";
        StubRun(workflow, runId, (Group, "success"), ("report", "success"));
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(workflow.DagId)}/{runId}/taskInstances/{Group}/logs/1", 200,
            AirflowStub.Recorded("24-task-log-json.json", workflow.DagId, runId));

        var log = await workflow.User.Client.GetFromJsonAsync<JsonElement>($"/workflows/{workflow.Id}/runs/{runId}/tasks/clean/logs");

        Assert.That(log.GetProperty("taskId").GetString(), Is.EqualTo(Group));
        Assert.That(log.GetProperty("content").GetString(), Does.Contain("Dependencies all met"));
    }

    [Test]
    public async Task Retrying_a_step_clears_its_groups_task()
    {
        var workflow = await DeployedAsync();
        const string runId = "wfc_fused_retry";
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(workflow.DagId)}/{runId}/taskInstances", 200,
            AirflowStub.TaskInstances(workflow.DagId, runId, TryStarted, (Group, "failed"), ("report", "upstream_failed")));
        AirflowStub.Json("POST", $"/api/v1/dags/{workflow.DagId}/clearTaskInstances", 200, AirflowStub.Recorded("31-clear-task-instances.json", workflow.DagId, runId));

        var response = await workflow.User.Client.PostAsync($"/workflows/{workflow.Id}/runs/{runId}/tasks/clean/retry", null);
        var sent = AirflowStub.Sent("POST", $"/api/v1/dags/{workflow.DagId}/clearTaskInstances").Single();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(sent["task_ids"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { Group }));
    }

    [Test]
    public async Task A_run_keeps_the_plan_of_the_version_it_ran_and_runs_Airflow_started_use_the_deployed_one()
    {
        var workflow = await DeployedAsync();
        const string oldRun = "wfc_ran_fused";
        await using (var db = new NpgsqlConnection(ApiFixture.ConnectionString))
        {
            await db.ExecuteAsync("INSERT INTO runs (workflow_id, dag_run_id, version, params, state, created_at, updated_at) VALUES (@id, @oldRun, 1, '{}', 'success', now(), now())",
                new { id = workflow.Id, oldRun });
        }

        var current = await workflow.User.Client.GetFromJsonAsync<JsonElement>($"/workflows/{workflow.Id}");
        var perStep = JsonNode.Parse(current.GetProperty("document").GetRawText())!;
        perStep["spec"]!["execution"] = "per-step";
        var saved = await Workflows.WorkflowCrudTests.Put(workflow.User, workflow.Id, perStep, "\"1\"");
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await saved.Content.ReadAsStringAsync());
        await workflow.User.Client.PostAsJsonAsync($"/workflows/{workflow.Id}/deployments", new { });
        StubRun(workflow, oldRun, (Group, "success"), ("report", "success"));
        const string scheduled = "scheduled__2026-01-03T06_00_00";
        StubRun(workflow, scheduled, ("extract", "success"), ("clean", "success"), ("tidy", "success"), ("report", "success"));

        var old = await StepsAsync(workflow, oldRun);
        var started = await StepsAsync(workflow, scheduled);

        Assert.That(old.Select(s => s.GetProperty("taskId").GetString()), Is.EqualTo(new[] { Group, Group, Group, "report" }), "version 1 ran fused");
        Assert.That(started.Select(s => s.GetProperty("taskId").GetString()), Is.EqualTo(new[] { "extract", "clean", "tidy", "report" }), "the deployed version 2 runs per step");
    }

    [Test]
    public async Task A_groups_task_change_reaches_the_browser_with_the_steps_it_runs()
    {
        var workflow = await DeployedAsync();
        AirflowStub.Json("POST", AirflowStub.RunsPath(workflow.DagId), 200, AirflowStub.DagRun(workflow.DagId, "any", "queued"));
        var changes = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await HubClients.ConnectAsync(_api, workflow.User);
        hub.On<JsonElement>("taskChanged", change => changes.Writer.TryWrite(change));
        await hub.InvokeAsync("Subscribe", workflow.Id);
        var runId = (await (await workflow.User.Client.PostAsJsonAsync($"/workflows/{workflow.Id}/runs", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        AirflowStub.Json("POST", "/api/v1/dags/~/dagRuns/list", 200,
            new JsonObject { ["dag_runs"] = new JsonArray(AirflowStub.DagRun(workflow.DagId, runId, "running")), ["total_entries"] = 1 });
        AirflowStub.Json("POST", "/api/v1/dags/~/dagRuns/~/taskInstances/list", 200, AirflowStub.TaskInstances(workflow.DagId, runId, TryStarted, (Group, "running"), ("report", null)));

        await hub.InvokeAsync("WatchRun", workflow.Id, runId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        JsonElement change;
        do
        {
            change = await changes.Reader.ReadAsync(timeout.Token);
        }
        while (change.GetProperty("runId").GetString() != runId || change.GetProperty("taskId").GetString() != Group);

        Assert.That(change.GetProperty("steps").EnumerateArray().Select(s => s.GetString()), Is.EqualTo(new[] { "extract", "clean", "tidy" }));
        Assert.That(change.GetProperty("state").GetString(), Is.EqualTo("running"));
    }

    [Test]
    public void A_record_is_read_as_the_task_library_writes_it_and_anything_else_is_no_record()
    {
        var record = StepRecord.Parse("""{"steps": {"eu_only": {"state": "success", "rows": 7, "columns": 8, "seconds": 0.012, "error": null, "result": {"path": "/x/eu_only.wct", "rows": 7}}}}""", TryStarted);

        Assert.That(record!.Steps["eu_only"] with { Result = null }, Is.EqualTo(new StepRecordEntry("success", 7, 8, 0.012, null)));
        Assert.That(record.Steps["eu_only"].Result?.GetProperty("path").GetString(), Is.EqualTo("/x/eu_only.wct"), "what the step wrote, for its results");
        Assert.That(StepRecord.Parse("""{"steps": {"a": {"rows": "many"}}}""", TryStarted), Is.Null, "a number that is no number");
        Assert.That(StepRecord.Parse("[1, 2]", TryStarted), Is.Null);
        Assert.That(StepRecord.Parse("{\"steps\": ", TryStarted), Is.Null);
    }

    private static string Describe(JsonElement step)
    {
        var state = step.GetProperty("state").GetString();
        var details = new[] { step.GetProperty("rows").ValueKind == JsonValueKind.Number ? $"{step.GetProperty("rows").GetInt64()} rows" : null, step.GetProperty("error").GetString() }
            .Where(d => d is not null);
        return $"{step.GetProperty("stepId").GetString()} in {step.GetProperty("taskId").GetString()}: {string.Join(", ", [state, .. details])}";
    }

    private async Task<DeployedWorkflow> DeployedAsync()
    {
        var user = await TestUser.SignUpAsync(_api);
        var document = Documents.Simple();
        document["spec"]!["execution"] = "fused";
        var report = Documents.Task("report", "test.step", new JsonObject(), "tidy");
        report["ownTask"] = true;
        document["spec"]!["tasks"] = new JsonArray(
            Documents.Task("extract", "test.source", new JsonObject { ["path"] = "sales.csv" }),
            Documents.Task("clean", "test.step", new JsonObject(), "extract"),
            Documents.Task("tidy", "test.step", new JsonObject(), "clean"),
            report);
        var id = await user.CreateWorkflowIdAsync(document);
        var deployed = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = true });
        Assert.That(deployed.StatusCode, Is.EqualTo(HttpStatusCode.Created), await deployed.Content.ReadAsStringAsync());
        var workflow = new DeployedWorkflow(user, id, "wf_" + id.ToString().Replace('-', '_'));
        await _api.FollowDeploymentsAsync();
        Assert.That((await workflow.LatestDeploymentAsync()).GetProperty("state").GetString(), Is.EqualTo("parsed"), "the fused DAG file imports into the strict Airflow double");
        return workflow;
    }

    private static async Task<List<JsonElement>> StepsAsync(DeployedWorkflow workflow, string runId)
    {
        var detail = await workflow.User.Client.GetFromJsonAsync<JsonElement>($"/workflows/{workflow.Id}/runs/{Uri.EscapeDataString(runId)}");
        return [.. detail.GetProperty("steps").EnumerateArray()];
    }

    private static void StubRun(DeployedWorkflow workflow, string runId, params (string Task, string? State)[] tasks)
    {
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(workflow.DagId)}/{runId}", 200, AirflowStub.DagRun(workflow.DagId, runId, "running"));
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(workflow.DagId)}/{runId}/taskInstances", 200, AirflowStub.TaskInstances(workflow.DagId, runId, TryStarted, tasks));
    }

    private string WriteRecord(DeployedWorkflow workflow, string runId, string taskId, string json)
    {
        var path = RunFolders.StepRecordPath(_sharedRoot, workflow.User.Id, workflow.Id, runId, taskId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }
}
