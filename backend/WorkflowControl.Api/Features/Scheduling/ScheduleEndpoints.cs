using Microsoft.AspNetCore.Http.HttpResults;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Workflows;
using ValidationProblem = WorkflowControl.Core.Workflows.ValidationProblem;

namespace WorkflowControl.Api.Features.Scheduling;

/// <summary>The next runs of a schedule, in UTC; empty for manual runs and @once.</summary>
public sealed record NextRunsResponse(string? Schedule, string Timezone, IReadOnlyList<DateTimeOffset> Runs);

/// <summary>
/// The schedule rules, served so the editor shows next runs and time zones by exactly the rules a save applies
/// (<see cref="Schedules"/>), instead of a second cron library in the browser that accepts other expressions.
/// </summary>
public static class ScheduleEndpoints
{
    public const int MaxCount = 20;

    public static IEndpointRouteBuilder MapScheduling(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/schedules").WithTags("Schedules").MapScheduleEndpoints();
        return app;
    }

    public static RouteGroupBuilder MapScheduleEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/next-runs", NextRuns).WithName("NextRuns");
        group.MapGet("/timezones", TimeZones).WithName("ListTimeZones");
        return group;
    }

    /// <summary>An unaccepted schedule or zone answers 400 with the problems a save would report, at the same pointers.</summary>
    public static Results<Ok<NextRunsResponse>, ProblemHttpResult> NextRuns(TimeProvider time, string? schedule = null, string timezone = "UTC", int count = 5, DateTimeOffset? after = null)
    {
        var problems = new List<ValidationProblem>();
        if (Schedules.Problem(schedule) is { } scheduleProblem)
        {
            problems.Add(new("/spec/schedule", scheduleProblem));
        }

        if (Schedules.TimeZoneProblem(timezone) is { } zoneProblem)
        {
            problems.Add(new("/spec/timezone", zoneProblem));
        }

        if (count is < 1 or > MaxCount)
        {
            return Problems.BadRequest($"Ask for 1 to {MaxCount} runs.");
        }

        return problems.Count > 0
            ? Problems.Invalid(problems)
            : TypedResults.Ok(new NextRunsResponse(schedule, timezone, Schedules.NextRuns(schedule, timezone, after ?? time.GetUtcNow(), count)));
    }

    public static Ok<IReadOnlyList<string>> TimeZones() => TypedResults.Ok(Schedules.TimeZoneNames);
}
