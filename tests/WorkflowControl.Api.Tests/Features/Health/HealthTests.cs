using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using WireMock.Server;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Health;

namespace WorkflowControl.Api.Tests.Features.Health;

/// <summary>
/// /health/live and /health/ready against a healthy set-up, then with each dependency broken in turn: PostgreSQL,
/// the dags folder, Airflow (down, then refusing our credentials) and the run tracker (lagging, on fake time).
/// </summary>
public sealed class HealthTests
{
    private static readonly string[] ReadyChecks = ["postgresql", "dags-folder", "airflow", "run-tracker"];

    private WireMockServer _airflow = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _airflow = WireMockServer.Start();
        // The readiness probe asks for a DAG that never exists: Airflow's 404 says it answered and accepted us.
        _airflow.Json("GET", $"/api/v1/dags/{AirflowCheck.ProbeDagId}", 404, AirflowStub.Recorded("40-get-dag-after-delete-404.json", AirflowCheck.ProbeDagId, "unused"));
        Directory.CreateDirectory(ApiFixture.DagsRoot);
    }

    [OneTimeTearDown]
    public void Stop() => _airflow.Stop();

    [Test]
    public async Task Ready_names_each_check_and_answers_200_when_all_pass()
    {
        await using var api = Api();

        var (status, answer) = await GetAsync(api, "/health/ready");
        var (legacyStatus, legacy) = await GetAsync(api, "/health");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(Checks(answer).Keys, Is.EquivalentTo(ReadyChecks));
        Assert.That(Checks(answer).Values, Has.All.EqualTo("Healthy"));
        Assert.That(answer.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        Assert.That((legacyStatus, Checks(legacy).Keys), Is.EqualTo((HttpStatusCode.OK, Checks(answer).Keys)), "/health is the readiness answer");
    }

    [Test]
    public async Task Ready_fails_naming_PostgreSQL_when_it_does_not_answer_while_live_still_answers()
    {
        await using var api = Api(services: s => s.Replace(ServiceDescriptor.Singleton(
            NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=nothing;Username=nobody;Password=nothing;Timeout=2"))));

        var (status, answer) = await GetAsync(api, "/health/ready");
        var (liveStatus, live) = await GetAsync(api, "/health/live");

        AssertOnlyFailing(status, answer, "postgresql");
        Assert.That(Description(answer, "postgresql"), Does.StartWith("PostgreSQL does not answer"));
        Assert.That(liveStatus, Is.EqualTo(HttpStatusCode.OK), "the process is alive: restarting it would not bring PostgreSQL back");
        Assert.That(Checks(live).Keys, Is.EquivalentTo(new[] { "process" }));
    }

    [Test]
    public async Task Ready_fails_naming_the_dags_folder_when_no_file_can_be_written_there()
    {
        var notAFolder = Path.GetTempFileName();
        try
        {
            await using var api = Api(new() { ["Dags:Root"] = notAFolder });

            var (status, answer) = await GetAsync(api, "/health/ready");

            AssertOnlyFailing(status, answer, "dags-folder");
            Assert.That(Description(answer, "dags-folder"), Does.Contain("Dags:Root").And.Not.Contain(notAFolder), "anonymous answers name no paths");
        }
        finally
        {
            File.Delete(notAFolder);
        }
    }

    [Test]
    public async Task Ready_fails_naming_Airflow_when_it_is_not_reachable()
    {
        var gone = WireMockServer.Start();
        var url = gone.Url!;
        gone.Stop();
        await using var api = Api(new() { ["Airflow:BaseUrl"] = url });

        var (status, answer) = await GetAsync(api, "/health/ready");

        AssertOnlyFailing(status, answer, "airflow");
        Assert.That(Description(answer, "airflow"), Does.StartWith("Airflow is not reachable"));
    }

    [Test]
    public async Task Ready_fails_naming_Airflow_when_it_refuses_our_credentials()
    {
        using var refusing = WireMockServer.Start();
        refusing.Json("GET", "/api/v1/dags/*", 403, AirflowStub.Recorded("41-wrong-password-403.json", "unused", "unused"));
        await using var api = Api(new() { ["Airflow:BaseUrl"] = refusing.Url });

        var (status, answer) = await GetAsync(api, "/health/ready");

        AssertOnlyFailing(status, answer, "airflow");
        Assert.That(Description(answer, "airflow"), Does.StartWith("WorkflowControl cannot sign in to Airflow"));
    }

    [Test]
    public async Task Ready_fails_naming_the_run_tracker_when_its_last_good_cycle_is_too_old_and_recovers_with_the_next()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var airflow = WireMockServer.Start();
        airflow.Json("GET", $"/api/v1/dags/{AirflowCheck.ProbeDagId}", 404, AirflowStub.Recorded("40-get-dag-after-delete-404.json", AirflowCheck.ProbeDagId, "unused"));
        airflow.Json("POST", "/api/v1/dags/*/dagRuns", 404, AirflowStub.Recorded("40-get-dag-after-delete-404.json", "unused", "unused"));
        await using var api = Api(new()
        {
            ["Airflow:BaseUrl"] = airflow.Url,
            ["Airflow:MaxRetries"] = "0",
            ["Airflow:Tracking:Enabled"] = "true",
            ["Health:TrackerMaxAge"] = "00:02:00",
        }, s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        var tracker = api.Services.GetRequiredService<RunTracker>();
        var user = await TestUser.SignUpAsync(api);
        await user.Client.PostAsJsonAsync($"/workflows/{await user.CreateWorkflowIdAsync()}/deployments", new { });

        airflow.Json("POST", "/api/v1/dags/~/dagRuns/list", 500, new JsonObject { ["title"] = "Internal Server Error", ["status"] = 500 });
        await TrackerCycles.UntilAsync(tracker, () => Task.FromResult(tracker.LastFailure is not null), "a failed cycle");
        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var (lagging, laggingAnswer) = await GetAsync(api, "/health/ready");
        airflow.Json("POST", "/api/v1/dags/~/dagRuns/list", 200, new JsonObject { ["dag_runs"] = new JsonArray(), ["total_entries"] = 0 });
        await TrackerCycles.UntilAsync(tracker, () => Task.FromResult(tracker.LastFailure is null), "a good cycle");
        var (recovered, _) = await GetAsync(api, "/health/ready");

        AssertOnlyFailing(lagging, laggingAnswer, "run-tracker");
        Assert.That(Description(laggingAnswer, "run-tracker"), Does.Contain("lagging").And.Contain("its last cycle failed"));
        Assert.That(recovered, Is.EqualTo(HttpStatusCode.OK));
    }

    private ApiFactory Api(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["Airflow:BaseUrl"] = _airflow.Url };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return new ApiFactory(ApiFixture.ConnectionString, all, services: services);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Answer)> GetAsync(ApiFactory api, string path)
    {
        var response = await api.CreateClient().GetAsync(path);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static Dictionary<string, string> Checks(JsonElement answer) =>
        answer.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!);

    private static string Description(JsonElement answer, string check) =>
        answer.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("description").GetString()!;

    private static void AssertOnlyFailing(HttpStatusCode status, JsonElement answer, string failing)
    {
        Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.ToString());
        Assert.That(answer.GetProperty("status").GetString(), Is.EqualTo("Unhealthy"));
        Assert.That(Checks(answer), Is.EquivalentTo(ReadyChecks.ToDictionary(c => c, c => c == failing ? "Unhealthy" : "Healthy")), answer.ToString());
    }
}
