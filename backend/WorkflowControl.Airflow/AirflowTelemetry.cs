using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Refit;

namespace WorkflowControl.Airflow;

/// <summary>
/// Metrics (meter <see cref="Name"/>) and spans (activity source of the same name) of the Airflow client and the run
/// tracker. Labels are low-cardinality and carry no secrets: Refit's route template (never the filled URL), the
/// method, the status code, the client ("api" or "auth"). docs/operations.md lists every metric.
/// </summary>
public sealed class AirflowTelemetry
{
    public const string Name = "WorkflowControl.Airflow";

    /// <summary>Span attribute: the Airflow endpoint as a route template, e.g. /api/v1/dags/{dagId}/dagRuns.</summary>
    public const string EndpointAttribute = "airflow.endpoint";

    public const string DagIdAttribute = "airflow.dag_id";

    public const string RunIdAttribute = "workflowcontrol.run.id";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>Seconds, as ASP.NET Core's request durations (the default buckets are meant for milliseconds).</summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30],
    };

    private readonly Histogram<double> _requests;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _cycles;
    private readonly ConcurrentDictionary<string, CircuitState> _circuits = new(StringComparer.Ordinal);
    private (int Active, int Watched)? _trackedRuns;
    private DateTimeOffset? _lastTrackerSuccess;

    public AirflowTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _requests = meter.CreateHistogram("workflowcontrol.airflow.request.duration", "s",
            "Duration of each HTTP request to Airflow's REST API (each attempt), by endpoint template, method and status.", advice: Seconds);
        _retries = meter.CreateCounter<long>("workflowcontrol.airflow.retries", "{retry}",
            "Requests to Airflow repeated after a transient failure, by endpoint template and what failed.");
        meter.CreateObservableGauge("workflowcontrol.airflow.circuit.state", ObserveCircuits, "{state}",
            "The circuit breaker in front of Airflow: 0 closed, 1 half-open (trying again), 2 open (requests fail fast).");
        _cycles = meter.CreateHistogram("workflowcontrol.tracker.cycle.duration", "s",
            "Duration of each run tracker poll cycle, by outcome (success or failure).", advice: Seconds);
        meter.CreateObservableGauge("workflowcontrol.tracker.runs.active", () => ObserveTrackedRuns(r => r.Active), "{run}",
            "Runs the tracker followed in its last successful cycle (pending, queued or running).");
        meter.CreateObservableGauge("workflowcontrol.tracker.runs.watched", () => ObserveTrackedRuns(r => r.Watched), "{run}",
            "Runs whose task instances the tracker fetches because a browser shows them.");
        meter.CreateObservableGauge("workflowcontrol.tracker.last_success.timestamp", ObserveLastSuccess, "s",
            "Unix time of the run tracker's last successful cycle.");
    }

    private enum CircuitState
    {
        Closed = 0,
        HalfOpen = 1,
        Open = 2,
    }

    /// <summary>The request's endpoint as a route template with the generation's prefix; "other" for requests Refit did not build.</summary>
    public static string EndpointOf(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!((IDictionary<string, object?>)request.Options).TryGetValue(HttpRequestMessageOptions.RelativePathTemplate, out var value)
            || value is not string template)
        {
            return "other";
        }

        template = template.Split('?')[0];
        var path = request.RequestUri?.AbsolutePath ?? "";
        // The prefix (/api/v1, /api/v2, or none for /auth/token) is what comes before the template's first literal part.
        var brace = template.IndexOf('{', StringComparison.Ordinal);
        var literal = brace < 0 ? template : template[..brace];
        var at = literal.Length == 0 ? -1 : path.IndexOf(literal, StringComparison.Ordinal);
        return (at > 0 ? path[..at] : "") + template;
    }

    internal void RecordRequest(HttpRequestMessage request, string status, TimeSpan duration) =>
        _requests.Record(duration.TotalSeconds,
            new KeyValuePair<string, object?>("endpoint", EndpointOf(request)),
            new KeyValuePair<string, object?>("method", request.Method.Method),
            new KeyValuePair<string, object?>("status", status));

    internal void RecordRetry(HttpRequestMessage? request, string failure) =>
        _retries.Add(1,
            new KeyValuePair<string, object?>("endpoint", request is null ? "other" : EndpointOf(request)),
            new KeyValuePair<string, object?>("failure", failure));

    internal void CircuitClosed(string client) => _circuits[client] = CircuitState.Closed;

    internal void CircuitHalfOpened(string client) => _circuits[client] = CircuitState.HalfOpen;

    internal void CircuitOpened(string client) => _circuits[client] = CircuitState.Open;

    /// <summary>Records one poll cycle of the run tracker; a successful one also sets the runs it followed.</summary>
    public void RecordTrackerCycle(TimeSpan duration, bool succeeded, DateTimeOffset finishedAt)
    {
        _cycles.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure"));
        if (succeeded)
        {
            _lastTrackerSuccess = finishedAt;
        }
    }

    public void SetTrackedRuns(int active, int watched) => _trackedRuns = (active, watched);

    private IEnumerable<Measurement<int>> ObserveCircuits() =>
        _circuits.Select(c => new Measurement<int>((int)c.Value, new KeyValuePair<string, object?>("client", c.Key)));

    private IEnumerable<Measurement<int>> ObserveTrackedRuns(Func<(int Active, int Watched), int> pick) =>
        _trackedRuns is { } runs ? [new Measurement<int>(pick(runs))] : [];

    private IEnumerable<Measurement<double>> ObserveLastSuccess() =>
        _lastTrackerSuccess is { } at ? [new Measurement<double>(at.ToUnixTimeMilliseconds() / 1000.0)] : [];
}
