using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.Server;

namespace WorkflowControl.Api.Tests.Infrastructure;

/// <summary>
/// Every error answer names its request (X-Request-Id and the ProblemDetails' requestId), and so does every log line
/// written while serving it; with the JSON console format each event is one line of JSON.
/// </summary>
public sealed class RequestIdsTests
{
    [Test]
    public async Task Error_answers_of_every_kind_name_their_request()
    {
        var user = await TestUser.SignUpAsync();
        var anonymous = ApiFixture.Factory.CreateClient();

        var answers = new[]
        {
            await user.Client.GetAsync($"/workflows/{Guid.NewGuid()}"), // a handler's 404
            await anonymous.GetAsync("/workflows"), // 401 from authentication
            await user.Client.PostAsync("/workflows", new StringContent("{", Encoding.UTF8, "application/json")), // 400 from the exception handler
        };

        foreach (var answer in answers)
        {
            var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(problem.TryGetProperty("requestId", out var id), Is.True, $"{(int)answer.StatusCode}: {problem}");
            Assert.That(id.GetString(), Is.Not.Empty.And.EqualTo(answer.Headers.GetValues("X-Request-Id").Single()));
        }
    }

    [Test]
    public async Task The_log_line_of_a_failed_request_carries_the_request_id_of_its_answer()
    {
        var logs = new CapturingLoggerProvider();
        var airflow = WireMockServer.Start();
        var down = airflow.Url;
        airflow.Stop();
        await using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["Airflow:BaseUrl"] = down },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        var user = await TestUser.SignUpAsync(api);
        var id = await user.CreateWorkflowIdAsync();

        var answer = await user.Client.GetAsync($"/workflows/{id}/runs/wfc_not_stored"); // a run only Airflow could know
        var requestId = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requestId").GetString();

        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "Airflow is down");
        var warning = logs.Entries.Single(e => e.Message.StartsWith("Airflow request failed", StringComparison.Ordinal));
        Assert.That(warning.Scopes, Does.ContainKey("RequestId").WithValue(requestId));
    }

    [Test]
    public async Task With_the_JSON_format_each_event_is_one_line_of_JSON_with_its_request_id()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(output));
        string? requestId;
        try
        {
            var airflow = WireMockServer.Start();
            var down = airflow.Url;
            airflow.Stop();
            await using (var api = new ApiFactory(ApiFixture.ConnectionString,
                new Dictionary<string, string?> { ["Airflow:BaseUrl"] = down, ["Logging:Console:FormatterName"] = "json" },
                services: s => s.AddLogging(b => b.AddConsole())))
            {
                var user = await TestUser.SignUpAsync(api);
                var id = await user.CreateWorkflowIdAsync();
                var answer = await user.Client.GetAsync($"/workflows/{id}/runs/wfc_not_stored"); // a run only Airflow could know
                requestId = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requestId").GetString();
            }

            // Disposing the host flushed the console logger's queue.
        }
        finally
        {
            Console.SetOut(original);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var warning = events.Single(e => e.GetProperty("Message").GetString()!.StartsWith("Airflow request failed", StringComparison.Ordinal));

        Assert.That(events, Has.Count.EqualTo(lines.Length), "every line is one JSON event");
        Assert.That(warning.GetProperty("LogLevel").GetString(), Is.EqualTo("Warning"));
        Assert.That(warning.GetProperty("Timestamp").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
        Assert.That(warning.GetProperty("Scopes").EnumerateArray().Select(s => s.TryGetProperty("RequestId", out var r) ? r.GetString() : null),
            Has.Member(requestId));
    }
}

/// <summary>Keeps every log entry with the values of its scopes (RequestId, TraceId, ...), as a console formatter would print them.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public System.Collections.Concurrent.ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    public sealed record LogEntry(string Category, LogLevel Level, string Message, Dictionary<string, string?> Scopes, string Text);

    private sealed class Logger(string category, CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new Dictionary<string, string?>();
            var scopeText = new StringBuilder();
            provider._scopes.ForEachScope((scope, _) =>
            {
                scopeText.Append(" => ").Append(scope);
                if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var (key, value) in values)
                    {
                        scopes[key] = value?.ToString();
                    }
                }
            }, (object?)null);
            var message = formatter(state, exception);
            provider.Entries.Enqueue(new LogEntry(category, logLevel, message, scopes, $"{category}: {message} {exception}{scopeText}"));
        }
    }
}
