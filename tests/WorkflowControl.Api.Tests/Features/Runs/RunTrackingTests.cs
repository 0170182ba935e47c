using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using WorkflowControl.Airflow.Tracking;
using Npgsql;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>The tracker inside the API: Airflow's state changes are stored and pushed to subscribed browsers.</summary>
public sealed class RunTrackingTests
{
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
    {
        ["Airflow:Tracking:Enabled"] = "true",
        ["Airflow:Tracking:PollInterval"] = "00:00:00.200",
    });

    [OneTimeTearDown]
    public Task Stop() => _api.DisposeAsync().AsTask();

    [Test]
    public async Task A_run_finishing_in_Airflow_reaches_the_subscribed_browser_and_the_database()
    {
        var (user, id, dagId) = await DeployedAsync();
        AirflowStub.Json("POST", AirflowStub.RunsPath(dagId), 200, AirflowStub.DagRun(dagId, "any", "queued"));
        var changes = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await ConnectAsync(user);
        hub.On<JsonElement>("runChanged", change => changes.Writer.TryWrite(change));
        await hub.InvokeAsync("Subscribe", id);

        var runId = (await (await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        // Airflow now reports the run as finished in its batch list.
        AirflowStub.Json("POST", "/api/v1/dags/~/dagRuns/list", 200,
            new JsonObject { ["dag_runs"] = new JsonArray(AirflowStub.DagRun(dagId, runId, "success")), ["total_entries"] = 1 });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        JsonElement change;
        do
        {
            change = await changes.Reader.ReadAsync(timeout.Token);
        }
        while (change.GetProperty("runId").GetString() != runId || change.GetProperty("state").GetString() != "success");

        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        Assert.That(await db.ExecuteScalarAsync<string>("SELECT state FROM runs WHERE dag_run_id = @runId", new { runId }), Is.EqualTo("success"));
    }

    [Test]
    public async Task A_pending_run_Airflow_can_no_longer_create_fails_with_the_reason_and_stays_listed()
    {
        var (user, id, dagId) = await DeployedAsync();
        const string runId = "wfc_pending_dag_deleted";
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        // Accepted while Airflow was away; meanwhile the DAG was deleted in Airflow, which answers 404 to the trigger.
        await db.ExecuteAsync(
            """
            INSERT INTO runs (workflow_id, dag_run_id, version, params, state, message, triggered_by, created_at, updated_at, reached_airflow)
            VALUES (@id, @runId, 1, '{}', 'pending', 'Waiting for Airflow: Airflow is not reachable.', @user, now(), now(), false)
            """,
            new { id, runId, user = user.Id });
        AirflowStub.Json("POST", AirflowStub.RunsPath(dagId), 404, AirflowStub.Recorded("03-get-dag-before-parse-404.json", dagId, "unused"));
        AirflowStub.Json("POST", "/api/v1/dags/~/dagRuns/list", 200, new JsonObject { ["dag_runs"] = new JsonArray(), ["total_entries"] = 0 });

        await TrackerCycles.UntilAsync(_api.Services.GetRequiredService<RunTracker>(),
            async () => await db.ExecuteScalarAsync<string>("SELECT state FROM runs WHERE dag_run_id = @runId", new { runId }) == "failed",
            "the pending run failed");
        var detail = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{runId}");
        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs");

        Assert.That(detail.GetProperty("state").GetString(), Is.EqualTo("failed"));
        Assert.That(detail.GetProperty("message").GetString(), Does.Contain("was not found in Airflow"));
        Assert.That(list.GetProperty("items").EnumerateArray().Select(r => $"{r.GetProperty("runId")} {r.GetProperty("state")}"), Does.Contain($"{runId} failed"),
            "listed as the dashboard's last run is");
    }

    [Test]
    public async Task Subscribing_to_someone_elses_workflow_fails_like_a_missing_one()
    {
        var alice = await TestUser.SignUpAsync(_api);
        var id = await alice.CreateWorkflowIdAsync();
        var bob = await TestUser.SignUpAsync(_api);
        await using var hub = await ConnectAsync(bob);

        var theirs = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", id));
        var missing = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Subscribe", Guid.NewGuid()));

        Assert.That(theirs!.Message, Is.EqualTo(missing!.Message));
    }

    [Test]
    public async Task The_hub_refuses_connections_without_a_token()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_api.Server.BaseAddress, "hubs/workflows"), o =>
            {
                o.HttpMessageHandlerFactory = _ => _api.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
            })
            .Build();

        var refused = Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.That(refused!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        await connection.DisposeAsync();
    }

    [Test]
    public async Task A_browser_negotiating_without_a_token_gets_401_not_500()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/workflows/negotiate?negotiateVersion=1");
        request.Headers.TryAddWithoutValidation("Accept", "*/*");

        var response = await _api.CreateClient().SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Browsers_may_send_their_token_in_the_query_string_on_hub_paths_only()
    {
        var user = await TestUser.SignUpAsync(_api);
        var anonymous = _api.CreateClient();

        var hub = await anonymous.PostAsync($"/hubs/workflows/negotiate?negotiateVersion=1&access_token={user.Token}", null);
        var elsewhere = await anonymous.GetAsync($"/workflows?access_token={user.Token}");

        Assert.That(hub.StatusCode, Is.EqualTo(HttpStatusCode.OK), "WebSockets cannot carry an Authorization header");
        Assert.That(elsewhere.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "tokens in URLs end up in logs");
    }

    private Task<HubConnection> ConnectAsync(TestUser user) => HubClients.ConnectAsync(_api, user);

    /// <summary>A workflow deployed as active and parsed (so unpaused) by the stub Airflow.</summary>
    private async Task<(TestUser User, Guid Id, string DagId)> DeployedAsync()
    {
        var user = await TestUser.SignUpAsync(_api);
        var id = await user.CreateWorkflowIdAsync();
        await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = true });
        await _api.FollowDeploymentsAsync();
        return (user, id, "wf_" + id.ToString().Replace('-', '_'));
    }
}
