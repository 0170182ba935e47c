using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkflowControl.Api.Tests.Infrastructure;

namespace WorkflowControl.Api.Tests.Features.Auth;

/// <summary>
/// Tokens, passwords and workflow contents are accepted but never written to a log, even with every log level
/// switched on. (Spans and metric labels: Infrastructure/Telemetry/TelemetryTests.)
/// </summary>
public sealed class TokenLoggingTests
{
    private const string AirflowPassword = "airflow-password-for-logs-9c2b";

    private readonly CapturingLoggerProvider _logs = new();
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(
        ApiFixture.ConnectionString,
        new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Airflow:Password"] = AirflowPassword,
        },
        services: services => services.AddSingleton<ILoggerProvider>(_logs));

    [OneTimeTearDown]
    public Task Stop() => _api.DisposeAsync().AsTask();

    [Test]
    public async Task A_token_in_the_hub_url_never_reaches_the_logs()
    {
        var user = await TestUser.SignUpAsync(_api);
        var anonymous = _api.CreateClient();

        var negotiate = await anonymous.PostAsync($"/hubs/workflows/negotiate?negotiateVersion=1&access_token={user.Token}", null);
        await using var hub = await HubClients.ConnectAsync(_api, user);
        await hub.InvokeAsync("Subscribe", await user.CreateWorkflowIdAsync());

        Assert.That(negotiate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Lines, Is.Not.Empty, "logging is on");
        Assert.That(Lines.Where(l => l.Contains(user.Token, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task Deploying_and_running_with_an_API_token_logs_no_token_password_or_document_content()
    {
        var user = await TestUser.SignUpAsync(_api);
        var secret = "document-content-" + Guid.NewGuid().ToString("N")[..10];
        var document = Documents.Simple();
        document["metadata"]!["description"] = secret;
        var id = await user.CreateWorkflowIdAsync(document);
        var dagId = "wf_" + id.ToString().Replace('-', '_');
        AirflowStub.Json("POST", AirflowStub.RunsPath(dagId), 200, AirflowStub.DagRun(dagId, "any", "queued"));
        var created = await user.Client.PostAsJsonAsync("/tokens", new { name = "logs", maxRole = "execute", expiresInDays = 1 });
        var apiToken = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var ci = _api.CreateClient();
        ci.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);

        var deployed = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = true });
        await _api.FollowDeploymentsAsync(); // a run starts once Airflow has parsed the deployment
        var triggered = await ci.PostAsJsonAsync($"/workflows/{id}/runs", new { });

        Assert.That((deployed.StatusCode, triggered.StatusCode), Is.EqualTo((HttpStatusCode.Created, HttpStatusCode.Accepted)));
        Assert.That(Lines.Any(l => l.Contains("/runs", StringComparison.Ordinal)), Is.True, "the requests were logged");
        foreach (var forbidden in new[] { user.Token, apiToken, "correct horse battery", AirflowPassword, secret })
        {
            Assert.That(Lines.Where(l => l.Contains(forbidden, StringComparison.Ordinal)), Is.Empty);
        }
    }

    private List<string> Lines => _logs.Entries.Select(e => e.Text).ToList();
}
