using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>
/// Runs a user and a CI pipeline can trust, through the API, against the fake Airflow of each generation: 2.10
/// (<c>/api/v1</c>, basic auth) and 3.x (<c>/api/v2</c>, JWTs from <c>/auth/token</c>). The fake answers in that
/// generation's wire format, and every request the API made and every answer the fake gave must be allowed by that
/// generation's official document (checked after each test).
/// </summary>
[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public sealed class RunGenerationTests(AirflowGeneration generation)
{
    private FakeAirflow _airflow = null!;
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _airflow = new FakeAirflow(generation, TimeProvider.System);
        _api = Host(tracking: false);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _api.DisposeAsync();
        _airflow.Dispose();
    }

    [TearDown]
    public void CheckContract()
    {
        try
        {
            if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Failed)
            {
                Assert.That(_airflow.StubErrors, Is.Empty, "the fake Airflow itself failed");
                Assert.That(_airflow.ContractProblems(), Is.Empty, "requests or fake answers that the official Airflow document does not allow");
            }
        }
        finally
        {
            _airflow.Exchanges.Clear();
            _airflow.OtherGenerationProbes.Clear();
            _airflow.BeforeTrigger = null;
            _airflow.Down = false;
        }
    }

    [Test]
    public async Task A_trigger_is_accepted_at_its_Location_with_the_params_and_defaults_and_listed()
    {
        var (user, id, dagId) = await DeployedAsync();

        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { @params = new { region = "us" } });
        var run = await response.Content.ReadFromJsonAsync<JsonElement>();
        var runId = run.GetProperty("runId").GetString()!;
        var atLocation = await user.Client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), run.ToString());
        Assert.That(run.GetProperty("state").GetString(), Is.EqualTo("queued"));
        Assert.That(JsonNode.DeepEquals(AirflowRun(dagId, runId).Conf, JsonNode.Parse("""{"region":"us","limit":100}""")), Is.True, "Airflow got the params with their defaults");
        Assert.That(atLocation.GetProperty("runId").GetString(), Is.EqualTo(runId));
        Assert.That(list.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("runId").GetString()), Is.EqualTo(new[] { runId }));
    }

    [Test]
    public async Task While_Airflow_is_away_a_run_is_pending_at_its_Location_and_listed_then_the_tracker_starts_it_with_the_same_id()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.Down = true;

        var trigger = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        var accepted = await trigger.Content.ReadFromJsonAsync<JsonElement>();
        var runId = accepted.GetProperty("runId").GetString()!;
        var detail = await user.Client.GetFromJsonAsync<JsonElement>(trigger.Headers.Location);
        var listed = await user.Client.GetAsync($"/workflows/{id}/runs");
        var list = await listed.Content.ReadFromJsonAsync<JsonElement>();
        _airflow.Down = false;
        await using var tracking = Host(tracking: true);
        await TrackerCycles.UntilAsync(tracking.Services.GetRequiredService<RunTracker>(), async () => await StoredStateAsync(runId) == "queued", "the pending run started");

        Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(accepted.GetProperty("state").GetString(), Is.EqualTo("pending"));
        Assert.That(accepted.GetProperty("message").GetString(), Does.StartWith("Waiting for Airflow: "));
        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("pending"), "a CI pipeline following Location finds the run");
        Assert.That(list.GetProperty("items").EnumerateArray().Select(r => $"{r.GetProperty("runId")} {r.GetProperty("state")}"), Is.EqualTo(new[] { $"{runId} pending" }));
        Assert.That(listed.Headers.Contains("Airflow-Unreachable"), Is.True);
        Assert.That(_airflow.Runs.Where(r => r.DagId == dagId).Select(r => r.DagRunId), Is.EqualTo(new[] { runId }), "one Airflow run, under the id the caller was given");
    }

    [Test]
    public async Task The_same_Idempotency_Key_returns_the_same_run_and_other_params_with_it_are_refused()
    {
        var (user, id, dagId) = await DeployedAsync();

        var first = await TriggerWithKeyAsync(user, id, "ci-build-4711", "us");
        var again = await TriggerWithKeyAsync(user, id, "ci-build-4711", "us");
        var otherParams = await TriggerWithKeyAsync(user, id, "ci-build-4711", "eu");
        var otherKey = await TriggerWithKeyAsync(user, id, "ci-build-4712", "us");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(again.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(otherParams.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(otherKey.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(_airflow.Runs.Count(r => r.DagId == dagId), Is.EqualTo(2), "one Airflow run per key");
    }

    [Test]
    public async Task Cancelling_a_running_run_fails_it_in_Airflow_and_it_shows_as_cancelled_everywhere()
    {
        var (user, id, dagId) = await DeployedAsync();
        var runId = await TriggerAsync(user, id);
        _airflow.SetRunState(dagId, runId, "running");

        var response = await user.Client.PostAsync($"/workflows/{id}/runs/{runId}/cancel", null);
        var detail = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}");
        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs");
        var dashboard = await user.Client.GetFromJsonAsync<JsonElement>("/workflows");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        Assert.That(AirflowRun(dagId, runId).State, Is.EqualTo("failed"), "Airflow knows a cancelled run as failed");
        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        Assert.That(list.GetProperty("items")[0].GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        Assert.That(dashboard.GetProperty("items").EnumerateArray().Single(w => w.GetProperty("id").GetGuid() == id).GetProperty("lastRun").GetProperty("state").GetString(),
            Is.EqualTo("cancelled"));
    }

    [Test]
    public async Task A_finished_run_cannot_be_cancelled_and_Airflow_is_not_asked_to_rewrite_it()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.AddRun(dagId, "scheduled__done", "success");

        var response = await user.Client.PostAsync($"/workflows/{id}/runs/scheduled__done/cancel", null);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("The run is success; only pending, queued or running runs can be cancelled."));
        Assert.That(_airflow.Count("PATCH", "/dagRuns/scheduled__done"), Is.Zero, "history stays as it was");
    }

    [Test]
    public async Task Retrying_a_task_that_succeeded_runs_that_task_again_and_with_downstream_the_tasks_after_it()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.AddRun(dagId, "scheduled__alone", "failed");
        _airflow.AddRun(dagId, "scheduled__chain", "failed");
        foreach (var runId in new[] { "scheduled__alone", "scheduled__chain" })
        {
            _airflow.SetTaskState(dagId, runId, "extract", "success");
            _airflow.SetTaskState(dagId, runId, "clean", "failed");
        }

        var alone = await user.Client.PostAsync($"/workflows/{id}/runs/scheduled__alone/tasks/extract/retry", null);
        var chain = await user.Client.PostAsync($"/workflows/{id}/runs/scheduled__chain/tasks/extract/retry?downstream=true", null);

        Assert.That(alone.StatusCode, Is.EqualTo(HttpStatusCode.OK), await alone.Content.ReadAsStringAsync());
        Assert.That(chain.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(TaskStates(dagId, "scheduled__alone"), Is.EqualTo(new[] { "extract (to run)", "clean failed" }), "only the named task runs again, though it succeeded");
        Assert.That(TaskStates(dagId, "scheduled__chain"), Is.EqualTo(new[] { "extract (to run)", "clean (to run)" }));
        Assert.That(AirflowRun(dagId, "scheduled__chain").State, Is.EqualTo("queued"));
    }

    [Test]
    public async Task Retrying_a_task_that_has_not_finished_is_a_409_naming_its_state()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.AddRun(dagId, "scheduled__busy");
        _airflow.SetTaskState(dagId, "scheduled__busy", "extract", "running");

        var response = await user.Client.PostAsync($"/workflows/{id}/runs/scheduled__busy/tasks/extract/retry", null);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("Task extract is running; only a finished task"));
        Assert.That(_airflow.Count("POST", "/clearTaskInstances"), Is.Zero);
    }

    [Test]
    public async Task A_DAG_paused_in_Airflow_shows_on_the_deployment_refuses_triggers_and_can_be_unpaused()
    {
        var (user, id, dagId) = await DeployedAsync(pausedInAirflow: true);

        var refused = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var paused = await LatestDeploymentAsync(user, id);
        var unpause = await user.Client.PostAsJsonAsync($"/workflows/{id}/pause", new { paused = false });
        var unpaused = await LatestDeploymentAsync(user, id);
        var accepted = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("Paused in Airflow"));
        Assert.That(paused.GetProperty("pausedInAirflow").GetBoolean(), Is.True, "noticed when the trigger asked Airflow");
        Assert.That(unpause.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_airflow.Dags[dagId].IsPaused, Is.False);
        Assert.That(unpaused.GetProperty("pausedInAirflow").GetBoolean(), Is.False);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Twenty_people_reading_a_run_cost_Airflow_one_request_for_the_run_and_one_for_its_tasks()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.AddRun(dagId, "scheduled__watched");
        _airflow.ResetCounts();

        var reads = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/scheduled__watched")));

        Assert.That(reads.Select(r => r.GetProperty("state").GetString()), Is.All.EqualTo("running"));
        Assert.That(_airflow.Count("GET", "/dagRuns/scheduled__watched"), Is.EqualTo(1), "one request for twenty readers of the run");
        Assert.That(_airflow.Count("GET", "/dagRuns/scheduled__watched/taskInstances"), Is.EqualTo(1), "and one for their task lists");
    }

    [Test]
    public async Task After_Airflow_restarts_with_another_signing_key_reads_and_the_tracker_carry_on()
    {
        var (user, id, dagId) = await DeployedAsync();
        var runId = await TriggerAsync(user, id);
        await using var tracking = Host(tracking: true);
        var tracker = tracking.Services.GetRequiredService<RunTracker>();
        await TrackerCycles.UntilAsync(tracker, () => Task.FromResult(true), "a first cycle, signed in");

        // 3.x now answers 403 "Invalid JWT token" to every token it issued (2.10 has no tokens: nothing changes).
        _airflow.RestartWithNewSigningKey();
        _airflow.SetRunState(dagId, runId, "success");
        var detail = await user.Client.GetAsync($"/workflows/{id}/runs/{runId}");
        await TrackerCycles.UntilAsync(tracker, async () => await StoredStateAsync(runId) == "success", "the tracker stored the finished run");

        Assert.That(detail.StatusCode, Is.EqualTo(HttpStatusCode.OK), await detail.Content.ReadAsStringAsync());
        Assert.That(_airflow.Exchanges.Any(e => e.Status == 403), Is.EqualTo(generation == AirflowGeneration.V2), "3.x refused the old tokens once");
    }

    [Test]
    public async Task The_browser_hears_cancelled_not_failed_for_a_cancelled_run()
    {
        var (user, id, dagId) = await DeployedAsync();
        var runId = await TriggerAsync(user, id);
        _airflow.SetRunState(dagId, runId, "running");
        var changes = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await HubClients.ConnectAsync(_api, user);
        hub.On<JsonElement>("runChanged", change => changes.Writer.TryWrite(change));
        await hub.InvokeAsync("Subscribe", id);

        var cancel = await user.Client.PostAsync($"/workflows/{id}/runs/{runId}/cancel", null);
        var change = await NextChangeAsync(changes, runId);

        Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That($"{change.GetProperty("kind")} {change.GetProperty("oldState")} {change.GetProperty("state")}", Is.EqualTo("Cancelled running cancelled"));
    }

    [Test]
    public async Task A_run_cancelled_while_the_tracker_starts_it_is_failed_in_Airflow_and_stays_cancelled()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.Down = true;
        var runId = await TriggerAsync(user, id);
        // Airflow stays away until the browser listens, so the tracker cannot start the run unheard.
        await using var tracking = Host(tracking: true);
        var changes = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await HubClients.ConnectAsync(tracking, user);
        hub.On<JsonElement>("runChanged", change => changes.Writer.TryWrite(change));
        await hub.InvokeAsync("Subscribe", id);
        HttpResponseMessage? cancel = null;
        // The user cancels exactly while the tracker's trigger is on its way to Airflow: the cancel finds the run pending.
        _airflow.BeforeTrigger = (_, triggered) =>
        {
            if (triggered == runId && cancel is null)
            {
                cancel = user.Client.PostAsync($"/workflows/{id}/runs/{runId}/cancel", null).GetAwaiter().GetResult();
            }
        };
        _airflow.Down = false;

        await TrackerCycles.UntilAsync(tracking.Services.GetRequiredService<RunTracker>(),
            async () => _airflow.Runs.Any(r => r.DagRunId == runId && r.State == "failed") && await StoredStateAsync(runId) == "failed", "Airflow's run failed");
        var detail = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}");
        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs");
        var heard = new List<string>();
        JsonElement change;
        do
        {
            change = await NextChangeAsync(changes, runId);
            heard.Add($"{change.GetProperty("kind")} {change.GetProperty("state")}");
        }
        while (change.GetProperty("kind").GetString() != "StateChanged");

        Assert.That(cancel?.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the cancel came while the trigger was on its way");
        Assert.That(AirflowRun(dagId, runId).State, Is.EqualTo("failed"), "the tracker failed the run Airflow had just created");
        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        Assert.That(list.GetProperty("items").EnumerateArray().Select(r => $"{r.GetProperty("runId")} {r.GetProperty("state")}"), Is.EqualTo(new[] { $"{runId} cancelled" }));
        Assert.That(heard, Is.EqualTo(new[] { "Triggered cancelled", "StateChanged cancelled" }), "the browser never hears failed");
    }

    [Test]
    public async Task A_pending_run_appears_once_in_time_order_on_whichever_page_it_falls()
    {
        var (user, id, dagId) = await DeployedAsync();
        _airflow.Down = true;
        var older = await TriggerAsync(user, id);
        var newer = await TriggerAsync(user, id);
        _airflow.Down = false;
        await using (var db = new NpgsqlConnection(ApiFixture.ConnectionString))
        {
            // The two runs were accepted while Airflow was away, an hour apart.
            await db.ExecuteAsync("UPDATE runs SET created_at = @at WHERE dag_run_id = @older", new { older, at = Now.AddMinutes(-30).UtcDateTime });
            await db.ExecuteAsync("UPDATE runs SET created_at = @at WHERE dag_run_id = @newer", new { newer, at = Now.AddMinutes(30).UtcDateTime });
        }

        foreach (var hours in new[] { 3, 2, -1, -2, -3 })
        {
            _airflow.AddRun(dagId, $"scheduled__{hours + 10}h", "success", at: Now.AddHours(hours));
        }

        string[] expected = ["scheduled__13h", "scheduled__12h", newer, older, "scheduled__9h", "scheduled__8h", "scheduled__7h"];
        foreach (var limit in new[] { 1, 2, 3, 5, 7 })
        {
            var seen = new List<string>();
            for (var offset = 0; offset < expected.Length; offset += limit)
            {
                var page = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs?offset={offset}&limit={limit}");
                Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(expected.Length));
                seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!));
            }

            Assert.That(seen, Is.EqualTo(expected), $"pages of {limit}");
        }
    }

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    /// <summary>An API host talking to this fixture's fake Airflow; with <paramref name="tracking"/> its run tracker is on, cycling when asked.</summary>
    private ApiFactory Host(bool tracking) => new(ApiFixture.ConnectionString, new Dictionary<string, string?>
    {
        ["Airflow:BaseUrl"] = _airflow.Url,
        ["Airflow:ApiVersion"] = "Auto",
        ["Airflow:Username"] = FakeAirflow.Username,
        ["Airflow:Password"] = FakeAirflow.Password,
        // These tests make Airflow go away on purpose; the circuit breaker has tests of its own and would outlast the outage here.
        ["Airflow:BreakMinimumThroughput"] = "1000",
        // Twenty readers on a busy machine still share one answer: the test is about coalescing, not about how fast it is.
        ["Airflow:ReadCacheDuration"] = "00:01:00",
        ["Airflow:Tracking:Enabled"] = tracking ? "true" : "false",
        // Cycles only when asked (TrackerCycles), never on their own during a test.
        ["Airflow:Tracking:PollInterval"] = "00:10:00",
    });

    /// <summary>A workflow with params, deployed, and parsed by Airflow (paused there when <paramref name="pausedInAirflow"/>).</summary>
    private async Task<(TestUser User, Guid Id, string DagId)> DeployedAsync(bool pausedInAirflow = false)
    {
        var user = await TestUser.SignUpAsync(_api);
        var document = Documents.Simple();
        document["spec"]!["params"] = JsonNode.Parse("""{"region":{"type":"string","default":"eu"},"limit":{"type":"integer","default":100}}""");
        var id = await user.CreateWorkflowIdAsync(document);
        var deployed = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = !pausedInAirflow });
        Assert.That(deployed.StatusCode, Is.EqualTo(HttpStatusCode.Created), await deployed.Content.ReadAsStringAsync());
        var dagId = "wf_" + id.ToString().Replace('-', '_');
        _airflow.AddDag(dagId, pausedInAirflow, "extract", "clean");
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        await db.ExecuteAsync("UPDATE deployments SET state = 'parsed', message = NULL WHERE workflow_id = @id", new { id });
        return (user, id, dagId);
    }

    private static async Task<string> TriggerAsync(TestUser user, Guid id)
    {
        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private static Task<HttpResponseMessage> TriggerWithKeyAsync(TestUser user, Guid id, string key, string region)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/workflows/{id}/runs") { Content = JsonContent.Create(new { @params = new { region } }) };
        request.Headers.Add("Idempotency-Key", key);
        return user.Client.SendAsync(request);
    }

    private static async Task<JsonElement> LatestDeploymentAsync(TestUser user, Guid id) =>
        (await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments"))[0];

    private static async Task<string?> StoredStateAsync(string runId)
    {
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        return await db.ExecuteScalarAsync<string>("SELECT state FROM runs WHERE dag_run_id = @runId", new { runId });
    }

    private static async Task<JsonElement> NextChangeAsync(Channel<JsonElement> changes, string runId)
    {
        // A guard against a hang, not a measurement.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        JsonElement change;
        do
        {
            change = await changes.Reader.ReadAsync(timeout.Token);
        }
        while (change.GetProperty("runId").GetString() != runId);

        return change;
    }

    private FakeRun AirflowRun(string dagId, string runId) => _airflow.Runs.Single(r => r.DagId == dagId && r.DagRunId == runId);

    private string[] TaskStates(string dagId, string runId) =>
        [.. _airflow.Tasks[new RunKey(dagId, runId)].Select(t => $"{t.TaskId} {t.State ?? "(to run)"}")];
}
