using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
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
        using var spans = new SpanRecorder();
        await using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = collector.Url,
            ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
        }, services: s => s.ConfigureOpenTelemetryTracerProvider(b => b.AddProcessor(spans)));

        var answer = await api.CreateClient().GetAsync("/task-types");
        await spans.WaitForAsync(s => Equals(s.GetTagItem("http.route"), "/task-types"), "of the request");
        // Each flush exports what the batch holds; the span reaches the batch right after the recorder saw it.
        var exported = false;
        for (var i = 0; i < 5 && !exported; i++)
        {
            api.Services.GetRequiredService<TracerProvider>().ForceFlush();
            exported = collector.LogEntries.Any(e => e.RequestMessage?.Path == "/v1/traces");
        }

        Assert.That((int)answer.StatusCode, Is.LessThan(500));
        Assert.That(exported, Is.True, "spans were posted to the collector's /v1/traces");
    }

    [Test]
    public void An_OTLP_endpoint_that_is_not_a_URL_stops_the_start_naming_its_key()
    {
        using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "collector:4317" });

        var failure = Assert.Catch(() => api.CreateClient());

        Assert.That(failure!.ToString(), Does.Contain("Telemetry:OtlpEndpoint"));
    }
}
