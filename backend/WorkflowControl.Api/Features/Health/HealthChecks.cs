using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Health;

// Answers are anonymous: they name what failed and how, never a host, a path or an exception's message; the log has those.

/// <summary>PostgreSQL answers a query on the API's own connection pool.</summary>
public sealed partial class PostgresCheck(NpgsqlDataSource database, ILogger<PostgresCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogUnreachable(e.Message);
            return HealthCheckResult.Unhealthy($"PostgreSQL does not answer ({e.GetType().Name}).");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: PostgreSQL does not answer: {Reason}")]
    private partial void LogUnreachable(string reason);
}

/// <summary>The dags folder takes a file: one is created and deleted again (a name Airflow does not parse).</summary>
public sealed partial class DagsFolderCheck(DagPaths paths, ILogger<DagsFolderCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(paths.Root, $".wfc-ready-{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose))
            {
                await stream.WriteAsync(new byte[] { 1 }, cancellationToken);
            }

            return HealthCheckResult.Healthy("The dags folder is writable.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNotWritable(e.Message);
            return HealthCheckResult.Unhealthy($"The dags folder (Dags:Root) is not writable ({e.GetType().Name}).");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: the dags folder is not writable: {Reason}")]
    private partial void LogNotWritable(string reason);
}

/// <summary>
/// Airflow answers an authenticated request with our credentials: a DAG that never exists is asked for, so a 404 is
/// the healthy answer and 401/403 (or a refused token on 3.x) means the credentials are not accepted.
/// </summary>
public sealed partial class AirflowCheck(IAirflowClient airflow, ILogger<AirflowCheck> logger) : IHealthCheck
{
    public const string ProbeDagId = "wfc_readiness_probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await airflow.GetDagAsync(ProbeDagId, cancellationToken);
            return HealthCheckResult.Healthy("Airflow answers and accepts WorkflowControl's credentials.");
        }
        catch (AirflowException e)
        {
            var problem = AirflowProblems.ToProblemDetails(e);
            LogRefused(e.GetType().Name, e.Message);
            return HealthCheckResult.Unhealthy($"{problem.Title}: {problem.Detail}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: Airflow check failed: {Kind}: {Reason}")]
    private partial void LogRefused(string kind, string reason);
}

/// <summary>
/// The run tracker's last cycle succeeded recently (within Health:TrackerMaxAge). An instance standing by while another
/// holds the polling lease is healthy: it takes over when needed. Healthy when tracking is switched off here.
/// </summary>
public sealed class RunTrackerCheck(IServiceProvider services, TimeProvider time, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        // Without tracking, no tracker is registered.
        Task.FromResult(Decide(services.GetService<RunTracker>(), time.GetUtcNow(), options.Value.TrackerMaxAge));

    /// <summary>The verdict on a tracker at <paramref name="now"/>; null when this instance does not track runs.</summary>
    public static HealthCheckResult Decide(RunTracker? tracker, DateTimeOffset now, TimeSpan maxAge)
    {
        if (tracker is null)
        {
            return HealthCheckResult.Healthy("Run tracking is switched off on this instance (Airflow:Tracking:Enabled).");
        }

        if (tracker.StandingBy)
        {
            return HealthCheckResult.Healthy("The run tracker stands by: another API instance holds the polling lease (Airflow:Leadership:LockKey) and tracks runs; this one takes over if it stops.");
        }

        if (tracker.LastSuccessAt is { } success && now - success <= maxAge)
        {
            return HealthCheckResult.Healthy($"The run tracker's last cycle succeeded {Seconds(now - success)} ago.");
        }

        if (tracker.LastSuccessAt is null && (tracker.StartedAt is null || now - tracker.StartedAt <= maxAge))
        {
            return HealthCheckResult.Healthy("The run tracker is starting.");
        }

        var last = tracker.LastSuccessAt is { } at ? $"{Seconds(now - at)} ago" : "never";
        var failure = tracker.LastFailure is { } kind ? $"; its last cycle failed ({kind})" : "";
        return HealthCheckResult.Unhealthy($"The run tracker is lagging: its last successful cycle was {last}, more than {Seconds(maxAge)} (Health:TrackerMaxAge){failure}.");
    }

    private static string Seconds(TimeSpan span) => $"{Math.Max(0, (long)span.TotalSeconds):N0} s";
}
