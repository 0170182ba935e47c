using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using WorkflowControl.Airflow.Tests.Fakes;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Client;

/// <summary>What the client measures (meter WorkflowControl.Airflow) while Airflow misbehaves, on fake time.</summary>
[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public sealed class TelemetryTests(AirflowGeneration generation) : AirflowTestBase(generation)
{
    [Test]
    public async Task The_circuit_gauge_shows_open_while_Airflow_is_down_and_closed_once_it_answers_again()
    {
        using var metrics = new Measurements(H);
        H.Airflow.AddDag("wf_1");
        await H.Client.GetServerInfoAsync();
        var before = metrics.Circuit();
        H.Airflow.Down = true;

        await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));
        await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));
        var down = metrics.Circuit();
        H.Airflow.Down = false;
        H.Time.Advance(TimeSpan.FromMinutes(2));
        await H.Drive(H.Client.GetDagAsync("wf_1"));

        Assert.That(before, Is.EqualTo(0), "closed");
        Assert.That(down, Is.EqualTo(2), "open");
        Assert.That(metrics.Circuit(), Is.EqualTo(0), "closed again");
        Assert.That(metrics.Retries.Select(r => r.Failure), Has.Some.EqualTo("503"), "retries before the circuit opened");
        Assert.That(metrics.Retries.Select(r => r.Endpoint), Has.All.StartsWith("/").And.None.Contains("wf_1"), "templates (3.x retries the token request first)");
    }

    [Test]
    public async Task Each_request_on_the_wire_is_measured_by_endpoint_template_method_and_status()
    {
        using var metrics = new Measurements(H);
        H.Airflow.AddDag("wf_1");
        var prefix = Generation == AirflowGeneration.V1 ? "/api/v1" : "/api/v2";

        await H.Drive(H.Client.GetDagAsync("wf_1"));
        await H.Drive(H.Client.GetDagAsync("wf_missing"));

        Assert.That(metrics.Requests, Has.Member(($"{prefix}/dags/{{dagId}}", "GET", "200")));
        Assert.That(metrics.Requests, Has.Member(($"{prefix}/dags/{{dagId}}", "GET", "404")));
        Assert.That(metrics.Requests.Select(r => r.Endpoint), Has.None.Contains("wf_1"), "templates, never filled URLs");
    }

    /// <summary>Listens to this harness's meter only (other tests' clients share its name).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int? _circuit;

        public Measurements(AirflowHarness harness)
        {
            var factory = harness.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AirflowTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
            {
                if (instrument.Name == "workflowcontrol.airflow.request.duration")
                {
                    var t = ToDictionary(tags);
                    Requests.Add(((string)t["endpoint"]!, (string)t["method"]!, (string)t["status"]!));
                }
            });
            _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
            {
                if (instrument.Name == "workflowcontrol.airflow.retries")
                {
                    var t = ToDictionary(tags);
                    Retries.Add(((string)t["endpoint"]!, (string)t["failure"]!));
                }
            });
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            {
                // On 3.x the first request to fail may be the token request, whose circuit is the "auth" client's.
                if (instrument.Name == "workflowcontrol.airflow.circuit.state")
                {
                    _circuit = Math.Max(_circuit ?? 0, value);
                }
            });
            _listener.Start();
        }

        public List<(string Endpoint, string Method, string Status)> Requests { get; } = [];

        public List<(string Endpoint, string Failure)> Retries { get; } = [];

        /// <summary>The most open of the clients' circuits: 0 closed, 1 half-open, 2 open.</summary>
        public int? Circuit()
        {
            _circuit = null;
            _listener.RecordObservableInstruments();
            return _circuit;
        }

        public void Dispose() => _listener.Dispose();

        private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var result = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                result[tag.Key] = tag.Value;
            }

            return result;
        }
    }
}
