using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace WorkflowControl.Api.Infrastructure.Telemetry;

/// <summary>
/// The API's own metrics (meter <see cref="Name"/>) and spans (activity source of the same name), beside ASP.NET Core's,
/// HttpClient's, Npgsql's and the Airflow client's. Labels are low-cardinality and never carry ids, tokens or
/// document contents; ids go on spans only. docs/operations.md lists every metric.
/// </summary>
public sealed class ApiTelemetry
{
    public const string Name = "WorkflowControl.Api";

    /// <summary>Span attribute naming the workflow a request or background step is about.</summary>
    public const string WorkflowIdAttribute = "workflowcontrol.workflow.id";

    /// <summary>Span attribute naming the run (Airflow's dag_run_id) a request or background step is about.</summary>
    public const string RunIdAttribute = WorkflowControl.Airflow.AirflowTelemetry.RunIdAttribute;

    public const string RequestIdAttribute = "workflowcontrol.request.id";

    public static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _hubInvocations;
    private readonly Histogram<double> _previews;
    private readonly Histogram<double> _parseLatency;
    private readonly Counter<long> _rateLimited;

    public ApiTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _hubInvocations = meter.CreateCounter<long>("workflowcontrol.hub.invocations", "{invocation}",
            "Hub method calls from browsers (collaboration and run updates), by method and outcome (ok or error).");
        // Bucket boundaries in seconds: a preview takes up to its time-out (30 s by default), Airflow parses a new file
        // within its scan interval (10 s in compose, 300 s by default).
        _previews = meter.CreateHistogram("workflowcontrol.preview.duration", "s",
            "Duration of each data preview, by outcome: rows, task_problem, timed_out, too_large, unavailable, crashed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60] });
        _parseLatency = meter.CreateHistogram("workflowcontrol.deployment.parse_latency", "s",
            "Time from writing a DAG file to seeing Airflow's verdict on it, by state: parsed or import_error.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600] });
        _rateLimited = meter.CreateCounter<long>("workflowcontrol.rate_limit.rejections", "{request}",
            "Requests refused with 429 by the per-user and per-token limits, by limit: reads, writes, triggers, previews.");
    }

    public void HubInvoked(string method, bool succeeded) =>
        _hubInvocations.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "error"));

    public void PreviewFinished(string outcome, TimeSpan duration) =>
        _previews.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void DeploymentObserved(string state, TimeSpan sinceWritten) =>
        _parseLatency.Record(Math.Max(0, sinceWritten.TotalSeconds), new KeyValuePair<string, object?>("state", state));

    public void RateLimited(string limit) => _rateLimited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    /// <summary>Puts the workflow (and run) on the current span, if something records it.</summary>
    public static void Tag(Guid workflowId, string? runId = null)
    {
        if (Activity.Current is not { } activity)
        {
            return;
        }

        activity.SetTag(WorkflowIdAttribute, workflowId.ToString());
        if (runId is not null)
        {
            activity.SetTag(RunIdAttribute, runId);
        }
    }
}
