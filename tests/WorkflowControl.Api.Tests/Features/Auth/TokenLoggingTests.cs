using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WorkflowControl.Api.Tests.Features.Auth;

/// <summary>Tokens in hub URLs are accepted but never written to a log, even with every log level switched on.</summary>
public sealed class TokenLoggingTests
{
    private readonly CapturingLoggerProvider _logs = new();
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(
        ApiFixture.ConnectionString,
        new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace" },
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
        Assert.That(_logs.Lines, Is.Not.Empty, "logging is on");
        Assert.That(_logs.Lines.Where(l => l.Contains(user.Token, StringComparison.Ordinal)), Is.Empty);
    }
}
