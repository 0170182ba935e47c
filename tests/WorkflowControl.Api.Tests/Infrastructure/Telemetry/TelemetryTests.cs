using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Deployments;

namespace WorkflowControl.Api.Tests.Infrastructure.Telemetry;

/// <summary>
/// One deploy and one run against a WireMock Airflow 2.10 (recorded answers), with the deployment follower, the run
/// tracker, a hub call, a preview and an API token; then the spans and metrics they left, read from in-memory exporters.
/// </summary>
public sealed class TelemetryTests
{
    private const string AirflowPassword = "airflow-password-5d1e";
    private const string UserPassword = "correct horse battery";
    private const string DatabasePassword = "database-password-3e8f";
    private static readonly string DocumentSecret = "document-content-" + Guid.NewGuid().ToString("N")[..10];

    private readonly SpanRecorder _spans = new();
    private readonly List<MetricSnapshot> _metrics = [];
    private WireMockServer _airflow = null!;
    private ApiFactory _api = null!;
    private TestUser _user = null!;
    private string _apiToken = "";
    private Guid _workflowId;
    private string _dagId = "";
    private string _runId = "";
    private string _scrape = "";

    [OneTimeSetUp]
    public async Task DeployAndRunAsync()
    {
        _airflow = WireMockServer.Start();
        // Airflow is briefly overloaded: the tracker's first list request meets 503 and is retried.
        _airflow.Given(Request.Create().WithPath("/api/v1/dags/~/dagRuns/list").UsingPost()).InScenario("overloaded").WillSetStateTo("recovered")
            .RespondWith(Response.Create().WithStatusCode(503).WithHeader("Content-Type", "application/json").WithBody("""{"title":"Service Unavailable","status":503}"""));
        _airflow.Given(Request.Create().WithPath("/api/v1/dags/~/dagRuns/list").UsingPost()).InScenario("overloaded").WhenStateIs("recovered")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"dag_runs":[],"total_entries":0}"""));
        _airflow.Json("GET", "/api/v1/importErrors", 200, new JsonObject { ["import_errors"] = new JsonArray(), ["total_entries"] = 0 });

        // The test cluster trusts local connections: the password is ignored, but it is in the connection string.
        _api = new ApiFactory(ApiFixture.ConnectionString + ";Password=" + DatabasePassword, new Dictionary<string, string?>
        {
            ["Airflow:BaseUrl"] = _airflow.Url,
            ["Airflow:Password"] = AirflowPassword,
            ["Airflow:Tracking:Enabled"] = "true",
            // One cycle at start, then only when asked (a trigger asks).
            ["Airflow:Tracking:PollInterval"] = "00:10:00",
            ["Telemetry:PrometheusEnabled"] = "true",
            // One trigger a minute: the second one below is refused, and counted.
            ["RateLimits:Enabled"] = "true",
            ["RateLimits:Triggers:Limit"] = "1",
        }, services: s =>
        {
            s.ConfigureOpenTelemetryTracerProvider(b => b.AddProcessor(_spans));
            s.ConfigureOpenTelemetryMeterProvider(b => b.AddInMemoryExporter(_metrics));
        });

        _user = await TestUser.SignUpAsync(_api);
        var document = Documents.Simple();
        document["metadata"]!["description"] = DocumentSecret;
        document["spec"]!["tasks"]![0]!["config"]!["path"] = DocumentSecret + ".csv";
        _workflowId = await _user.CreateWorkflowIdAsync(document);
        _dagId = "wf_" + _workflowId.ToString().Replace('-', '_');
        var dag = (JsonObject)AirflowStub.Recorded("05-get-dag.json", _dagId, "unused");
        dag["last_parsed_time"] = DateTimeOffset.UtcNow.AddMinutes(5).ToString("O");
        dag["is_paused"] = false;
        _airflow.Json("GET", $"/api/v1/dags/{_dagId}", 200, dag);
        _airflow.Json("POST", $"/api/v1/dags/{_dagId}/dagRuns", 200, AirflowStub.DagRun(_dagId, "any", "queued"));
        _airflow.Json("GET", $"/api/v1/dags/{_dagId}/dagRuns/*", 200, AirflowStub.DagRun(_dagId, "any", "running"));

        var deployed = await _user.Client.PostAsJsonAsync($"/workflows/{_workflowId}/deployments", new { });
        Assert.That(deployed.StatusCode, Is.EqualTo(HttpStatusCode.Created), await deployed.Content.ReadAsStringAsync());
        await ActivatorUtilities.CreateInstance<DeploymentFollower>(_api.Services).FollowOnceAsync(CancellationToken.None);

        var tracker = _api.Services.GetRequiredService<RunTracker>();
        var triggered = await _user.Client.PostAsJsonAsync($"/workflows/{_workflowId}/runs", new { });
        Assert.That(triggered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await triggered.Content.ReadAsStringAsync());
        _runId = (await triggered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        await using (var db = new NpgsqlConnection(ApiFixture.ConnectionString))
        {
            await TrackerCycles.UntilAsync(tracker,
                async () => await db.ExecuteScalarAsync<string>("SELECT state FROM runs WHERE dag_run_id = @runId", new { runId = _runId }) == "running",
                "the run stored as running");
        }

        var refused = await _user.Client.PostAsJsonAsync($"/workflows/{_workflowId}/runs", new { });
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));

        await using (var hub = await HubClients.ConnectAsync(_api, _user))
        {
            await hub.InvokeAsync("Subscribe", _workflowId);
        }

        var preview = await _user.Client.PostAsJsonAsync($"/workflows/{_workflowId}/tasks/extract/preview", new { });
        Assert.That(preview.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "no shared data folder here: the preview is unavailable, and measured as such");
        var negotiate = await _api.CreateClient().PostAsync($"/hubs/workflows/negotiate?negotiateVersion=1&access_token={_user.Token}", null);
        Assert.That(negotiate.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var created = await _user.Client.PostAsJsonAsync("/tokens", new { name = "telemetry", maxRole = "view", expiresInDays = 1 });
        _apiToken = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var ci = _api.CreateClient();
        ci.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _apiToken);
        Assert.That((await ci.GetAsync($"/workflows/{_workflowId}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        _api.Services.GetRequiredService<MeterProvider>().ForceFlush();
        _scrape = await _api.CreateClient().GetStringAsync("/metrics");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        _airflow.Stop();
        _spans.Dispose();
    }

    [Test]
    public async Task Deploy_and_trigger_requests_are_spans_of_their_route_naming_the_workflow_and_the_run()
    {
        var deploy = await ServerSpanAsync("POST", "/workflows/{id:guid}/deployments");
        var trigger = await ServerSpanAsync("POST", "/workflows/{id:guid}/runs");

        Assert.That(deploy.GetTagItem("workflowcontrol.workflow.id"), Is.EqualTo(_workflowId.ToString()));
        Assert.That(trigger.GetTagItem("workflowcontrol.workflow.id"), Is.EqualTo(_workflowId.ToString()));
        Assert.That(trigger.GetTagItem("workflowcontrol.run.id"), Is.EqualTo(_runId));
        Assert.That(trigger.GetTagItem("workflowcontrol.request.id"), Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public async Task The_Airflow_request_of_a_trigger_is_a_child_span_naming_the_endpoint_template()
    {
        var trigger = await ServerSpanAsync("POST", "/workflows/{id:guid}/runs");

        var airflow = await _spans.WaitForAsync(
            s => s.Kind == ActivityKind.Client && s.TraceId == trigger.TraceId && Equals(s.GetTagItem("airflow.endpoint"), "/api/v1/dags/{dagId}/dagRuns"),
            "for Airflow's trigger endpoint in the trigger's trace");

        Assert.That(airflow.GetTagItem("http.request.method"), Is.EqualTo("POST"));
        Assert.That(airflow.GetTagItem("http.response.status_code"), Is.EqualTo(200));
    }

    [Test]
    public async Task PostgreSQL_commands_are_spans_in_the_trace_of_the_request_that_sent_them()
    {
        var trigger = await ServerSpanAsync("POST", "/workflows/{id:guid}/runs");

        var command = await _spans.WaitForAsync(
            s => s.TraceId == trigger.TraceId && s.Source.Name == "Npgsql", "of Npgsql in the trigger's trace");

        Assert.That(command.Kind, Is.EqualTo(ActivityKind.Client));
    }

    [Test]
    public async Task Background_work_and_hub_calls_are_spans_naming_what_they_concern()
    {
        var follow = await _spans.WaitForAsync(
            s => s.DisplayName == "follow deployment" && Equals(s.GetTagItem("workflowcontrol.workflow.id"), _workflowId.ToString()), "following this deployment");
        var cycle = await _spans.WaitForAsync(
            s => s.DisplayName == "run tracker cycle" && s.Status != ActivityStatusCode.Error && s.GetTagItem("workflowcontrol.tracker.airflow_requests") is > 0,
            "of a successful tracker cycle that asked Airflow");
        var subscribe = await _spans.WaitForAsync(
            s => s.Source.Name == "Microsoft.AspNetCore.SignalR.Server" && s.DisplayName.EndsWith("Subscribe", StringComparison.Ordinal), "of the hub call");

        Assert.That(follow.Source.Name, Is.EqualTo("WorkflowControl.Api"));
        Assert.That(cycle.Source.Name, Is.EqualTo("WorkflowControl.Airflow"));
        Assert.That(subscribe.GetTagItem("workflowcontrol.workflow.id"), Is.EqualTo(_workflowId.ToString()));
    }

    [Test]
    public void Airflow_requests_retries_and_the_circuit_are_measured_per_endpoint_and_status()
    {
        Assert.That(Points("workflowcontrol.airflow.request.duration"),
            Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["endpoint"], "/api/v1/dags/{dagId}/dagRuns") && Equals(t["method"], "POST") && Equals(t["status"], "200")));
        Assert.That(Points("workflowcontrol.airflow.request.duration"),
            Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["endpoint"], "/api/v1/dags/~/dagRuns/list") && Equals(t["status"], "503")));
        Assert.That(Points("workflowcontrol.airflow.retries"),
            Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["endpoint"], "/api/v1/dags/~/dagRuns/list") && Equals(t["failure"], "503")));
        Assert.That(Points("workflowcontrol.airflow.circuit.state"), Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["client"], "api")));
    }

    [Test]
    public void Deploying_writing_the_DAG_file_and_Airflow_parsing_it_are_measured()
    {
        Assert.That(Points("workflowcontrol.dag_files.written"), Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["outcome"], "written")));
        Assert.That(Points("workflowcontrol.deployment.parse_latency"), Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["state"], "parsed")));
    }

    [Test]
    public void Tracker_cycles_requests_per_route_hub_calls_and_previews_are_measured()
    {
        Assert.That(Points("workflowcontrol.tracker.cycle.duration"), Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["outcome"], "success")));
        Assert.That(Points("workflowcontrol.tracker.runs.active"), Is.Not.Empty);
        Assert.That(Points("workflowcontrol.tracker.last_success.timestamp"), Is.Not.Empty);
        Assert.That(Points("http.server.request.duration"),
            Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t.GetValueOrDefault("http.route"), "/workflows/{id:guid}/runs") && Equals(t["http.response.status_code"], 202)));
        Assert.That(Points("workflowcontrol.hub.invocations"),
            Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["method"], "Subscribe") && Equals(t["outcome"], "ok")));
        Assert.That(Points("workflowcontrol.preview.duration"), Has.Some.Matches<Dictionary<string, object?>>(t => Equals(t["outcome"], "unavailable")));
    }

    [Test]
    public void Every_metric_docs_operations_md_lists_is_scraped_after_a_deploy_and_a_run()
    {
        var listed = OperationsDoc.ApiMetrics;

        var missing = listed.Where(metric => !Regex.IsMatch(_scrape, $@"^{Regex.Escape(metric)}(_bucket|_count|_sum)?\{{", RegexOptions.Multiline)).ToList();

        Assert.That(listed, Has.Count.GreaterThanOrEqualTo(15));
        Assert.That(missing, Is.Empty, "listed in docs/operations.md but not at /metrics");
    }

    [Test]
    public void Metrics_name_PostgreSQL_by_the_data_source_not_by_its_connection_string()
    {
        Assert.That(_scrape, Does.Contain("db_client_connection_pool_name=\"workflowcontrol\""));
    }

    [Test]
    public void No_token_password_or_document_content_reaches_a_span_or_a_metric_label()
    {
        string[] secrets = [_user.Token, _apiToken, UserPassword, AirflowPassword, DatabasePassword, DocumentSecret];
        var spanTexts = _spans.Spans.SelectMany(s => new[] { s.DisplayName, s.StatusDescription ?? "" }
            .Concat(s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(s.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name} {t.Key}={t.Value}")))
            .Concat(s.Baggage.Select(b => $"{b.Key}={b.Value}"))).ToList();
        var labels = _metrics.SelectMany(m => m.MetricPoints.SelectMany(p => Tags(p).Select(t => $"{m.Name} {t.Key}={t.Value}"))).ToList();

        Assert.That(spanTexts, Is.Not.Empty);
        Assert.That(labels, Is.Not.Empty);
        Assert.That(spanTexts.Any(t => t.Contains("access_token", StringComparison.Ordinal)), Is.True, "the hub negotiation with a token in its URL was traced");
        foreach (var secret in secrets)
        {
            Assert.That(spanTexts.Where(t => t.Contains(secret, StringComparison.Ordinal)), Is.Empty, "a span holds a secret");
            Assert.That(labels.Where(t => t.Contains(secret, StringComparison.Ordinal)), Is.Empty, "a metric label holds a secret");
        }

        Assert.That(spanTexts.Where(t => t.Contains("Basic ", StringComparison.Ordinal) || t.Contains("Bearer ", StringComparison.Ordinal)), Is.Empty);
    }

    private Task<Activity> ServerSpanAsync(string method, string route) =>
        _spans.WaitForAsync(
            s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("http.route"), route) && Equals(s.GetTagItem("http.request.method"), method)
                && Equals(s.GetTagItem("workflowcontrol.workflow.id"), _workflowId.ToString()),
            $"for {method} {route}");

    private List<Dictionary<string, object?>> Points(string metric) =>
        _metrics.Where(m => m.Name == metric).SelectMany(m => m.MetricPoints).Select(p => Tags(p).ToDictionary(t => t.Key, t => t.Value)).ToList();

    private static IEnumerable<KeyValuePair<string, object?>> Tags(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            yield return tag;
        }
    }
}
