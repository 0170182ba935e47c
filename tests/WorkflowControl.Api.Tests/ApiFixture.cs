using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests;

/// <summary>Starts one throwaway PostgreSQL cluster and one in-memory API for the whole test run.</summary>
[SetUpFixture]
public sealed class ApiFixture
{
    public const string SigningKey = "test-signing-key-that-is-long-enough-0123456789";

    private static ThrowawayPostgres? _postgres;
    private static ApiFactory? _factory;

    public static ThrowawayPostgres Postgres => _postgres ?? throw new InvalidOperationException("fixture not started");

    public static ApiFactory Factory => _factory ?? throw new InvalidOperationException("fixture not started");

    public static string ConnectionString { get; private set; } = "";

    /// <summary>The dags folder the test API writes DAG files to.</summary>
    public static string DagsRoot { get; } = Path.Combine(Path.GetTempPath(), "wfc-dags-" + Guid.NewGuid().ToString("N")[..8]);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _postgres = await ThrowawayPostgres.StartAsync();
        ConnectionString = await _postgres.CreateDatabaseAsync("workflowcontrol_tests");
        _factory = new ApiFactory(ConnectionString);
        _ = _factory.Server; // migrate and start once, here, not inside the first test
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

        if (Directory.Exists(DagsRoot))
        {
            Directory.Delete(DagsRoot, recursive: true);
        }
    }
}

/// <summary>The in-memory API; with the two-type test catalog unless a test needs the real one (e.g. to run the task library).</summary>
public sealed class ApiFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, ITaskCatalog? catalog = null, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseTestSettings(connectionString, ApiFixture.SigningKey, ApiFixture.DagsRoot, AirflowStub.Server.Url!);
        // Each host polls on its own, as a single instance does, even while the previous test's host lets go of its
        // lease: hosts that should share one poller are given one key (SeveralInstancesTests).
        builder.UseSetting("Airflow:Leadership:LockKey", Random.Shared.NextInt64(1, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new ProgressLoggerProvider()));
        builder.ConfigureServices(s =>
        {
            s.Replace(ServiceDescriptor.Singleton<ITaskCatalog>(catalog ?? TestCatalog.Instance));
            services?.Invoke(s);
        });
    }

    /// <summary>
    /// One cycle of the deployment follower, which is off in the tests' hosts: it asks the stub Airflow, whose DAG
    /// processor imports the written files (<see cref="AirflowStub.DagFiles"/>), and records what became of them.
    /// </summary>
    public Task FollowDeploymentsAsync() =>
        ActivatorUtilities.CreateInstance<DeploymentFollower>(Services).FollowOnceAsync(CancellationToken.None);
}

/// <summary>A signed-in user and an HTTP client that sends their token.</summary>
public sealed record TestUser(Guid Id, string Email, string Token, HttpClient Client)
{
    public static async Task<TestUser> SignUpAsync(ApiFactory? factory = null, string? name = null)
    {
        var client = (factory ?? ApiFixture.Factory).CreateClient();
        var email = $"{name ?? "user"}-{Guid.NewGuid():N}@example.com";
        var response = await client.PostAsJsonAsync("/auth/signup", new { email, password = "correct horse battery", displayName = name ?? "Test User" });
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        var token = session.GetProperty("token").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new TestUser(session.GetProperty("user").GetProperty("id").GetGuid(), email, token, client);
    }

    public async Task<JsonElement> CreateWorkflowAsync(JsonNode? document = null)
    {
        var response = await Client.PostAsync("/workflows", Json(document ?? Documents.Simple()));
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<Guid> CreateWorkflowIdAsync(JsonNode? document = null) =>
        (await CreateWorkflowAsync(document)).GetProperty("id").GetGuid();

    public static StringContent Json(JsonNode node) => new(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
