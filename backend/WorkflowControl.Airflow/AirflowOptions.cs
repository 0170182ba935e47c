using System.ComponentModel.DataAnnotations;

namespace WorkflowControl.Airflow;

/// <summary>Which REST API generation to talk to: detect from the server, Airflow 2.x (/api/v1) or 3.x (/api/v2).</summary>
public enum AirflowApiVersion
{
    Auto,
    V1,
    V2,
}

/// <summary>Configuration section "Airflow" (env vars Airflow__BaseUrl, Airflow__Username, ...).</summary>
public sealed class AirflowOptions
{
    public const string Section = "Airflow";

    /// <summary>Root of the Airflow web server / API server, without /api/v1 or /api/v2.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";

    public AirflowApiVersion ApiVersion { get; set; } = AirflowApiVersion.Auto;

    /// <summary>Time-out of one HTTP attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of safe or idempotent requests after the first attempt.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>Base delay of the exponential back-off (with jitter) between retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Retry-After longer than this is not waited for: the request fails as "Airflow busy".</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the circuit stays open (requests fail fast) once Airflow looks down.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Failures within <see cref="BreakSamplingDuration"/> before the circuit opens (at least this many requests, half of them failing).</summary>
    [Range(2, 1000)]
    public int BreakMinimumThroughput { get; set; } = 6;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan BreakSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one answer about a run, its tasks or a log page serves every reader (<see cref="AirflowReadCache"/>):
    /// however many people or CI jobs watch a run, Airflow is asked once per this interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ReadCacheDuration { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Configuration section "Airflow:Tracking" of the run tracker.</summary>
public sealed class RunTrackingOptions
{
    public const string Section = "Airflow:Tracking";

    /// <summary>Time between two poll cycles; a change reaches subscribers within one interval.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Longest wait between cycles while Airflow is unreachable (the wait doubles up to this).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxOutageBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How far back finished runs are looked for after a start (covers runs that ended while the API was down).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan StartupLookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Overlap of consecutive "finished since" queries, absorbing clock differences with Airflow.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan FinishedOverlap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Page size of batched list requests; Airflow caps pages at 100 by default.</summary>
    [Range(1, 1000)]
    public int PageSize { get; set; } = 100;
}
