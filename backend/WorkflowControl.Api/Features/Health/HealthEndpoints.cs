using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WorkflowControl.Api.Features.Health;

/// <summary>Configuration section "Health" of the readiness checks.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>The run tracker is "lagging" (not ready) when its last successful cycle is older than this.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan TrackerMaxAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait for one check; a dependency slower than this counts as down.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>One check of a health answer: its name, verdict and a sentence for the operator.</summary>
public sealed record HealthCheckAnswer(string Name, string Status, string Description, double DurationMs);

/// <summary>A health answer: Healthy only when every check is.</summary>
public sealed record HealthAnswer(string Status, IReadOnlyList<HealthCheckAnswer> Checks);

/// <summary>
/// /health/live says the process answers (for restarts); /health/ready says whether it can do its work: PostgreSQL
/// reachable, the dags folder writable, Airflow reachable with our credentials accepted, the run tracker's last cycle
/// recent (docs/operations.md). /health is the readiness answer. All three are anonymous and name each check.
/// </summary>
public static class HealthEndpoints
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("The API process answers."), [LiveTag])
            .AddCheck<PostgresCheck>("postgresql", tags: [ReadyTag])
            .AddCheck<DagsFolderCheck>("dags-folder", tags: [ReadyTag])
            .AddCheck<AirflowCheck>("airflow", tags: [ReadyTag])
            .AddCheck<RunTrackerCheck>("run-tracker", tags: [ReadyTag]);
        services.AddOptions<HealthCheckServiceOptions>().Configure<Microsoft.Extensions.Options.IOptions<HealthOptions>>((o, health) =>
        {
            foreach (var registration in o.Registrations)
            {
                registration.Timeout = health.Value.CheckTimeout;
            }
        });
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous().DisableRateLimiting();
        group.MapGet("/live", (HealthCheckService health, CancellationToken ct) => AnswerAsync(health, LiveTag, ct))
            .WithName("Liveness").Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/ready", (HealthCheckService health, CancellationToken ct) => AnswerAsync(health, ReadyTag, ct))
            .WithName("Readiness").Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);
        // The address compose and older probes used: the readiness answer.
        app.MapGet("/health", (HealthCheckService health, CancellationToken ct) => AnswerAsync(health, ReadyTag, ct))
            .WithTags("Health").WithName("Health").AllowAnonymous().DisableRateLimiting().Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<HealthAnswer>, JsonHttpResult<HealthAnswer>>> AnswerAsync(HealthCheckService health, string tag, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(tag), ct);
        var answer = new HealthAnswer(report.Status.ToString(), report.Entries
            .Select(e => new HealthCheckAnswer(e.Key, e.Value.Status.ToString(), e.Value.Description ?? "", Math.Round(e.Value.Duration.TotalMilliseconds, 1)))
            .ToList());
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(answer)
            : TypedResults.Json(answer, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
