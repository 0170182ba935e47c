using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>
/// Runs through the API against a stub Airflow 2.10 answering with recorded responses. What a run does on both Airflow
/// generations (cancel, retry, Idempotency-Key, paging, ...) is in <see cref="RunGenerationTests"/>.
/// </summary>
public sealed class RunTests
{
    [Test]
    public async Task Triggering_stores_the_run_id_first_and_sends_it_with_params_and_defaults()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        AirflowStub.Json("POST", AirflowStub.RunsPath(dagId), 200, AirflowStub.DagRun(dagId, "any", "queued"));

        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { @params = new { region = "us" } });
        var run = await response.Content.ReadFromJsonAsync<JsonElement>();
        var runId = run.GetProperty("runId").GetString();
        var sent = AirflowStub.Sent("POST", AirflowStub.RunsPath(dagId)).Single();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), run.ToString());
        Assert.That(sent["dag_run_id"]!.GetValue<string>(), Is.EqualTo(runId));
        Assert.That(JsonNode.DeepEquals(sent["conf"], JsonNode.Parse("""{"region":"us","limit":100}""")), Is.True, sent.ToJsonString());
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        Assert.That(await db.ExecuteScalarAsync<string>("SELECT state FROM runs WHERE dag_run_id = @runId", new { runId }), Is.EqualTo("queued"));
    }

    [Test]
    public async Task Params_that_do_not_fit_the_workflow_are_refused_before_Airflow_hears_of_them()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();

        var unknown = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { @params = new { colour = "red" } });
        var wrongType = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { @params = new { limit = "lots" } });

        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("no parameter 'colour'"));
        Assert.That(await wrongType.Content.ReadAsStringAsync(), Does.Contain("'limit' must be a integer"));
        Assert.That(AirflowStub.Sent("POST", AirflowStub.RunsPath(dagId)), Is.Empty);
    }

    [Test]
    public async Task A_workflow_that_was_never_deployed_cannot_run_and_says_what_to_do()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Deploy it"));
    }

    [Test]
    public async Task A_trigger_right_after_deploy_is_a_409_to_try_again_shortly_and_reaches_neither_Airflow_nor_the_dashboard()
    {
        var workflow = await DeployedWorkflow.CreateAsync(WithParams());

        var response = await workflow.User.Client.PostAsJsonAsync($"/workflows/{workflow.Id}/runs", new { });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), problem.ToString());
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)), "the deployment follower's interval");
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("not parsed by Airflow yet; try again in a few seconds"));
        Assert.That(AirflowStub.Sent("POST", AirflowStub.RunsPath(workflow.DagId)), Is.Empty);
        await AssertNoRunAsync(workflow);
    }

    [Test]
    public async Task A_workflow_whose_DAG_file_Airflow_cannot_import_is_a_409_naming_the_error()
    {
        var workflow = await DeployedWorkflow.CreateAsync(WithParams());
        await workflow.FollowWithFileBrokenByAsync("t_extract.task_type = 'TestSource'");

        var response = await workflow.User.Client.PostAsJsonAsync($"/workflows/{workflow.Id}/runs", new { });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), problem.ToString());
        Assert.That(response.Headers.RetryAfter, Is.Null, "trying again does not help; deploying a fixed version does");
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("The workflow's DAG file has an import error"));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Match(
            @"^Airflow cannot import the DAG file of version 1: Line \d+ of the DAG file: AttributeError: property 'task_type' of 'WorkflowTaskOperator' object has no setter\. Fix the workflow and deploy it again\.$"));
        Assert.That(AirflowStub.Sent("POST", AirflowStub.RunsPath(workflow.DagId)), Is.Empty);
        await AssertNoRunAsync(workflow);
    }

    [Test]
    public async Task A_trigger_Airflow_refuses_leaves_no_run_that_only_the_dashboard_would_show()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        // The DAG was deleted in Airflow's UI: 2.10 answers 404 until it parses the file again.
        AirflowStub.Json("POST", AirflowStub.RunsPath(dagId), 404, AirflowStub.Recorded("03-get-dag-before-parse-404.json", dagId, "unused"));

        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), problem.ToString());
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("Airflow does not know its DAG right now"));
        await AssertNoRunAsync(new DeployedWorkflow(user, id, dagId));
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        Assert.That(await db.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_log WHERE workflow_id = @id AND action = 'run.trigger_refused'", new { id }), Is.EqualTo(1));
    }

    /// <summary>Neither the run list (from Airflow) nor the dashboard's last run (from the runs table) has a run.</summary>
    private static async Task AssertNoRunAsync(DeployedWorkflow workflow)
    {
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        Assert.That(await db.ExecuteScalarAsync<int>("SELECT count(*) FROM runs WHERE workflow_id = @id", new { id = workflow.Id }), Is.Zero);
        var dashboard = await workflow.User.Client.GetFromJsonAsync<JsonElement>("/workflows");
        var item = dashboard.GetProperty("items").EnumerateArray().Single(w => w.GetProperty("id").GetGuid() == workflow.Id);
        Assert.That(item.GetProperty("lastRun").ValueKind, Is.EqualTo(JsonValueKind.Null), "the dashboard shows no last run");
    }

    [Test]
    public async Task A_workflow_Airflow_does_not_know_yet_has_no_runs_rather_than_an_error()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs");

        Assert.That(list.GetProperty("items").GetArrayLength(), Is.Zero);
        Assert.That(list.GetProperty("total").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task A_run_list_page_out_of_range_is_a_400_naming_the_bounds()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var deep = await user.Client.GetAsync($"/workflows/{id}/runs?offset={int.MaxValue}&limit=100");
        var wide = await user.Client.GetAsync($"/workflows/{id}/runs?limit=101");

        Assert.That(deep.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "not a 500 from an overflowing page end");
        Assert.That((await deep.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("offset must be between 0 and 1000000000"));
        Assert.That(wide.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Viewers_cannot_run_and_strangers_do_not_see_runs()
    {
        var (owner, id, _) = await DeployedWorkflowAsync();
        var viewer = await TestUser.SignUpAsync();
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = viewer.Email, role = "view" });
        var stranger = await TestUser.SignUpAsync();

        Assert.That((await viewer.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { })).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await stranger.Client.GetAsync($"/workflows/{id}/runs")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await viewer.Client.PostAsync($"/workflows/{id}/runs/x/cancel", null)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task The_run_list_includes_runs_the_scheduler_started()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        var scheduled = AirflowStub.DagRun(dagId, "scheduled__2026-11-25T06:00:00+00:00", "success", "scheduled");
        AirflowStub.Json("GET", AirflowStub.RunsPath(dagId), 200, new JsonObject { ["dag_runs"] = new JsonArray(scheduled), ["total_entries"] = 1 });

        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs");
        var only = list.GetProperty("items")[0];

        Assert.That(only.GetProperty("runId").GetString(), Is.EqualTo("scheduled__2026-11-25T06:00:00+00:00"));
        Assert.That(only.GetProperty("runType").GetString(), Is.EqualTo("scheduled"));
        Assert.That(only.GetProperty("triggeredBy").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Run_detail_shows_each_task_with_its_state_try_and_duration()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        const string runId = "wfc_run_detail";
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(dagId)}/{runId}", 200, AirflowStub.DagRun(dagId, runId, "success"));
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(dagId)}/{runId}/taskInstances", 200, AirflowStub.Recorded("22-task-instances-of-run.json", dagId, runId));

        var detail = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}");
        var tasks = detail.GetProperty("tasks").EnumerateArray().ToList();

        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("success"));
        Assert.That(tasks, Is.Not.Empty);
        Assert.That(tasks.All(t => t.GetProperty("state").GetString() == "success" && t.GetProperty("tryNumber").GetInt32() >= 1 && t.GetProperty("durationSeconds").GetDouble() > 0), Is.True);
    }

    [Test]
    public async Task A_per_step_runs_steps_are_its_tasks_and_a_steps_log_and_retry_name_the_step_itself()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        const string runId = "wfc_run_per_step";
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(dagId)}/{runId}", 200, AirflowStub.DagRun(dagId, runId, "failed"));
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(dagId)}/{runId}/taskInstances", 200,
            AirflowStub.TaskInstances(dagId, runId, DateTimeOffset.UtcNow, ("extract", "success"), ("clean", "failed")));
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(dagId)}/{runId}/taskInstances/clean/logs/1", 200, AirflowStub.Recorded("24-task-log-json.json", dagId, runId));
        AirflowStub.Json("POST", $"/api/v1/dags/{dagId}/clearTaskInstances", 200, AirflowStub.Recorded("31-clear-task-instances.json", dagId, runId));

        var detail = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}");
        var log = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}/tasks/clean/logs");
        await user.Client.PostAsync($"/workflows/{id}/runs/{runId}/tasks/clean/retry", null);

        Assert.That(detail.GetProperty("steps").EnumerateArray().Select(s => $"{s.GetProperty("stepId")} {s.GetProperty("taskId")} {s.GetProperty("state")} {s.GetProperty("tryNumber")}"),
            Is.EqualTo(new[] { "extract extract success 1", "clean clean failed 1" }));
        Assert.That(detail.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("taskId").GetString()), Is.EqualTo(new[] { "extract", "clean" }));
        Assert.That(log.GetProperty("taskId").GetString(), Is.EqualTo("clean"));
        Assert.That(AirflowStub.Sent("POST", $"/api/v1/dags/{dagId}/clearTaskInstances").Last()["task_ids"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "clean" }));
    }

    [Test]
    public async Task Task_logs_come_back_as_plain_text_from_Airflows_JSON_answer()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        const string runId = "wfc_run_logs";
        AirflowStub.Json("GET", $"{AirflowStub.RunsPath(dagId)}/{runId}/taskInstances/b/logs/1", 200, AirflowStub.Recorded("24-task-log-json.json", dagId, runId));

        var log = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}/tasks/b/logs?try=1");

        Assert.That(log.GetProperty("content").GetString(), Does.Contain("Dependencies all met"));
    }

    [Test]
    public async Task A_DAG_paused_in_Airflow_shows_on_the_deployment_refuses_triggers_and_can_be_unpaused()
    {
        var workflow = await DeployedWorkflow.CreateAsync(WithParams(), active: false);
        await ApiFixture.Factory.FollowDeploymentsAsync();
        var client = workflow.User.Client;

        var refused = await client.PostAsJsonAsync($"/workflows/{workflow.Id}/runs", new { });
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var paused = await workflow.LatestDeploymentAsync();
        var unpause = await client.PostAsJsonAsync($"/workflows/{workflow.Id}/pause", new { paused = false });
        var unpaused = await workflow.LatestDeploymentAsync();
        AirflowStub.Json("POST", AirflowStub.RunsPath(workflow.DagId), 200, AirflowStub.DagRun(workflow.DagId, "any", "queued"));
        var accepted = await client.PostAsJsonAsync($"/workflows/{workflow.Id}/runs", new { });

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("Paused in Airflow"));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("Unpause it"));
        Assert.That(paused.GetProperty("pausedInAirflow").GetBoolean(), Is.True);
        Assert.That(unpause.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(unpaused.GetProperty("pausedInAirflow").GetBoolean(), Is.False);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task A_Retry_After_too_long_to_wait_for_reaches_the_caller_as_a_header()
    {
        var (user, id, dagId) = await DeployedWorkflowAsync();
        AirflowStub.Server.Given(Request.Create().WithPath($"{AirflowStub.RunsPath(dagId)}/scheduled__busy").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "600").WithBody("Too Many Requests"));

        var response = await user.Client.GetAsync($"/workflows/{id}/runs/scheduled__busy");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(600)));
    }

    [Test]
    public async Task While_Airflow_is_away_a_triggered_run_is_pending_listed_and_readable_at_its_Location()
    {
        await using var down = AirflowAway();
        var (user, id) = await DeployedBeforeAirflowWentAwayAsync(down);

        var trigger = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        var accepted = await trigger.Content.ReadFromJsonAsync<JsonElement>();
        var atLocation = await user.Client.GetAsync(trigger.Headers.Location);
        var detail = await atLocation.Content.ReadFromJsonAsync<JsonElement>();
        var listed = await user.Client.GetAsync($"/workflows/{id}/runs");
        var list = await listed.Content.ReadFromJsonAsync<JsonElement>();
        var unknown = await user.Client.GetAsync($"/workflows/{id}/runs/wfc_never_seen");

        Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(accepted.GetProperty("state").GetString(), Is.EqualTo("pending"));
        Assert.That(accepted.GetProperty("message").GetString(), Does.StartWith("Waiting for Airflow: Airflow is not reachable"));
        Assert.That(atLocation.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a CI pipeline following Location finds the run");
        Assert.That(detail.GetProperty("runId").GetString(), Is.EqualTo(accepted.GetProperty("runId").GetString()));
        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("pending"));
        Assert.That(detail.GetProperty("message").GetString(), Does.Contain("Airflow is not reachable"));
        Assert.That(detail.GetProperty("params").GetProperty("region").GetString(), Is.EqualTo("eu"));
        Assert.That(list.GetProperty("items").EnumerateArray().Select(r => $"{r.GetProperty("runId")} {r.GetProperty("state")}"),
            Is.EqualTo(new[] { $"{accepted.GetProperty("runId")} pending" }));
        Assert.That(listed.Headers.Contains("Airflow-Unreachable"), Is.True, "the list says it is WorkflowControl's last view, not Airflow's");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "a run WorkflowControl never stored needs Airflow");
        Assert.That((await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(), Is.EqualTo("Airflow is not reachable"));
    }

    [Test]
    public async Task The_web_app_can_read_Airflow_Unreachable_and_the_OpenAPI_document_declares_it()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/workflows/{id}/runs");
        request.Headers.Add("Origin", "http://localhost:3000");

        var response = await user.Client.SendAsync(request);
        var document = JsonNode.Parse(await ApiFixture.Factory.CreateClient().GetStringAsync("/openapi/v1.json"))!;

        Assert.That(string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")).Split(','), Does.Contain("Airflow-Unreachable"),
            "the browser's fetch sees the header only when CORS exposes it");
        Assert.That(document["paths"]!["/workflows/{id}/runs"]!["get"]!["responses"]!["200"]!["headers"]!["Airflow-Unreachable"], Is.Not.Null);
    }

    [Test]
    public async Task A_pending_run_can_be_cancelled_and_is_never_sent_to_Airflow()
    {
        await using var down = AirflowAway();
        var (user, id) = await DeployedBeforeAirflowWentAwayAsync(down);
        var runId = (await (await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString();

        var cancel = await user.Client.PostAsync($"/workflows/{id}/runs/{runId}/cancel", null);
        var again = await user.Client.PostAsync($"/workflows/{id}/runs/{runId}/cancel", null);
        var detail = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}");

        Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.StartWith("The run is cancelled;"));
        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        Assert.That(await db.ExecuteScalarAsync<int>("SELECT count(*) FROM runs WHERE workflow_id = @id AND state = 'pending'", new { id }), Is.Zero,
            "the tracker has nothing left to trigger");
    }

    private static ApiFactory AirflowAway() =>
        new(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["Airflow:BaseUrl"] = "http://127.0.0.1:9" });

    /// <summary>A deployed workflow that Airflow parsed before it went away (the follower cannot ask it now).</summary>
    private static async Task<(TestUser User, Guid Id)> DeployedBeforeAirflowWentAwayAsync(ApiFactory down)
    {
        var user = await TestUser.SignUpAsync(down);
        var id = await user.CreateWorkflowIdAsync(WithParams());
        await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        await db.ExecuteAsync("UPDATE deployments SET state = 'parsed', message = NULL WHERE workflow_id = @id", new { id });
        return (user, id);
    }

    /// <summary>A workflow with params, deployed as active and parsed (and so unpaused) by the stub Airflow.</summary>
    private static async Task<(TestUser User, Guid Id, string DagId)> DeployedWorkflowAsync()
    {
        var workflow = await DeployedWorkflow.CreateAsync(WithParams(), active: true);
        await ApiFixture.Factory.FollowDeploymentsAsync();
        Assert.That((await workflow.LatestDeploymentAsync()).GetProperty("state").GetString(), Is.EqualTo("parsed"));
        return (workflow.User, workflow.Id, workflow.DagId);
    }

    private static JsonObject WithParams()
    {
        var document = Documents.Simple();
        document["spec"]!["params"] = JsonNode.Parse("""{"region":{"type":"string","default":"eu"},"limit":{"type":"integer","default":100}}""");
        return document;
    }
}
