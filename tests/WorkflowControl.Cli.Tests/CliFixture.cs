using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Testing;

namespace WorkflowControl.Cli.Tests;

/// <summary>
/// One throwaway PostgreSQL cluster, one in-memory API with the real task catalog and a WireMock Airflow whose DAGs
/// are the written files that import into the strict Airflow double.
/// </summary>
[SetUpFixture]
public sealed class CliFixture
{
    private static ThrowawayPostgres? _postgres;
    private static WebApplicationFactory<Program>? _factory;

    public static WebApplicationFactory<Program> Api => _factory ?? throw new InvalidOperationException("fixture not started");

    public static WireMockServer Airflow { get; } = WireMockServer.Start();

    public static string DagsRoot { get; } = Path.Combine(Path.GetTempPath(), "wfctl-dags-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Airflow's DAG processor over <see cref="DagsRoot"/>: a DAG is parsed only when its file imports.</summary>
    public static AirflowDagFolder DagFiles { get; } = AirflowDagFolder.Serve(Airflow, DagsRoot);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _postgres = await ThrowawayPostgres.StartAsync();
        var connectionString = await _postgres.CreateDatabaseAsync("wfctl_tests");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseTestSettings(connectionString, "wfctl-test-signing-key-that-is-long-enough-0123456789", DagsRoot, Airflow.Url!);
            builder.ConfigureLogging(logging => logging.ClearProviders());
        });
        _ = _factory.Server;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        Airflow.Stop();
        if (Directory.Exists(DagsRoot))
        {
            Directory.Delete(DagsRoot, recursive: true);
        }
    }

    /// <summary>A recorded Airflow 2.10.0 response body, re-addressed to the DAG and run under test.</summary>
    public static JsonNode Recorded(string file, string dagId, string runId) => RecordedAirflow.Body(file, dagId, runId);

    public static void StubJson(string method, string path, JsonNode body, int status = 200) =>
        Airflow.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body.ToJsonString()));

    /// <summary>Answers GET requests whose path matches <paramref name="pathPattern"/> (a regex: run ids are the API's to choose).</summary>
    public static void StubGetMatching(string pathPattern, JsonNode body) =>
        Airflow.Given(Request.Create().WithPath(new RegexMatcher(pathPattern)).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(body.ToJsonString()));

    public static string DagId(Guid workflowId) => "wf_" + workflowId.ToString().Replace('-', '_');

    /// <summary>One cycle of the deployment follower (off in this host): Airflow's verdict on the written files is recorded.</summary>
    public static Task FollowDeploymentsAsync() =>
        ActivatorUtilities.CreateInstance<DeploymentFollower>(Api.Services).FollowOnceAsync(CancellationToken.None);
}

/// <summary>A user signed up through the API with an API token for wfctl, and helpers to run wfctl as them.</summary>
public sealed class CiUser
{
    private CiUser(HttpClient web, Guid tokenId, string token)
    {
        Web = web;
        TokenId = tokenId;
        Token = token;
    }

    /// <summary>The user's signed-in session, standing in for someone editing in the web app.</summary>
    public HttpClient Web { get; }

    public Guid TokenId { get; }

    public string Token { get; }

    public static async Task<CiUser> CreateAsync()
    {
        var web = CliFixture.Api.CreateClient();
        var signup = await web.PostAsJsonAsync("/auth/signup", new { email = $"ci-{Guid.NewGuid():N}@example.com", password = "correct horse battery", displayName = "CI" });
        Assert.That((int)signup.StatusCode, Is.EqualTo(201), await signup.Content.ReadAsStringAsync());
        var session = await signup.Content.ReadFromJsonAsync<JsonElement>();
        web.DefaultRequestHeaders.Authorization = new("Bearer", session.GetProperty("token").GetString());
        var created = await web.PostAsJsonAsync("/tokens", new { name = "ci", maxRole = "manage", expiresInDays = 1 });
        Assert.That((int)created.StatusCode, Is.EqualTo(201), await created.Content.ReadAsStringAsync());
        var token = await created.Content.ReadFromJsonAsync<JsonElement>();
        return new CiUser(web, token.GetProperty("id").GetGuid(), token.GetProperty("token").GetString()!);
    }

    public Task<CliResult> RunAsync(params string[] args) => CliResult.RunAsync(args, Environment());

    /// <summary>Runs wfctl on <paramref name="time"/>, whose every wait lets Airflow and the API take a step.</summary>
    public Task<CliResult> RunAsync(TimeProvider time, params string[] args) => CliResult.RunAsync(args, Environment(), time: time);

    public Dictionary<string, string?> Environment() => new() { ["WFCTL_SERVER"] = "http://localhost", ["WFCTL_TOKEN"] = Token };
}

/// <summary>What one wfctl invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public static async Task<CliResult> RunAsync(string[] args, IReadOnlyDictionary<string, string?> variables, Func<HttpMessageHandler>? handler = null, TimeProvider? time = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment(output, error, name => variables.GetValueOrDefault(name), handler ?? CliFixture.Api.Server.CreateHandler)
        {
            PollInterval = time is null ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromSeconds(2),
            Time = time ?? TimeProvider.System,
        };
        var code = await Cli.RunAsync(args, env);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>Workflow files in a temporary folder.</summary>
public static class WorkflowFiles
{
    public static JsonObject Document(string key, string source = "a.csv", string? secondTask = null)
    {
        var tasks = new JsonArray(new JsonObject { ["id"] = "extract", ["type"] = "extract.csv", ["config"] = new JsonObject { ["source"] = source } });
        if (secondTask is not null)
        {
            tasks.Add(new JsonObject { ["id"] = secondTask, ["type"] = "extract.csv", ["config"] = new JsonObject { ["source"] = "b.csv" } });
        }

        return new JsonObject
        {
            ["apiVersion"] = "workflowcontrol.io/v1",
            ["kind"] = "Workflow",
            ["metadata"] = new JsonObject { ["name"] = "Nightly " + key, ["key"] = key },
            ["spec"] = new JsonObject { ["tasks"] = tasks },
        };
    }

    public static string Write(JsonNode document)
    {
        var path = Path.Combine(Path.GetTempPath(), $"wfctl-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, document.ToJsonString());
        return path;
    }

    public static string NewKey() => "k" + Guid.NewGuid().ToString("N")[..10];
}
