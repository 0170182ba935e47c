using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace WorkflowControl.Api.Tests.Infrastructure.Telemetry;

/// <summary>Where telemetry goes: OTLP when an endpoint is configured, nowhere and no start-up when it is unusable.</summary>
public sealed class TelemetrySettingsTests
{
    [Test]
    public async Task With_an_OTLP_endpoint_spans_are_exported_to_it()
    {
        using var collector = WireMockServer.Start();
        collector.Given(Request.Create().WithPath("/v1/*").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        // The collector logs a request after it has answered it: the test waits for that log entry, not for time.
        var exported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        collector.LogEntriesChanged += (_, change) =>
        {
            if (change.NewItems?.OfType<ILogEntry>().Any(e => e.RequestMessage?.Path == "/v1/traces") == true)
            {
                exported.TrySetResult();
            }
        };
        using var spans = new SpanRecorder();
        await using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = collector.Url,
            ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
        }, services: s => s.ConfigureOpenTelemetryTracerProvider(b => b.AddProcessor(spans)));

        var answer = await api.CreateClient().GetAsync("/task-types");
        await spans.WaitForAsync(s => Equals(s.GetTagItem("http.route"), "/task-types"), "of the request");
        // Exports what the batch holds now; a span that reaches the batch just after goes with the next scheduled export.
        api.Services.GetRequiredService<TracerProvider>().ForceFlush();

        Assert.That((int)answer.StatusCode, Is.LessThan(500));
        // A guard against a hang, not a measurement: it covers one scheduled export (5 s by default).
        Assert.That(async () => await exported.Task.WaitAsync(TimeSpan.FromSeconds(30)), Throws.Nothing,
            "spans were posted to the collector's /v1/traces");
    }

    [Test]
    public void An_OTLP_endpoint_that_is_not_a_URL_stops_the_start_naming_its_key()
    {
        using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "collector:4317" });

        var failure = Assert.Catch(() => api.CreateClient());

        Assert.That(failure!.ToString(), Does.Contain("Telemetry:OtlpEndpoint"));
    }
}
