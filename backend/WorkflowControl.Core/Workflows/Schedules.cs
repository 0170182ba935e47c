using Cronos;

namespace WorkflowControl.Core.Workflows;

/// <summary>What a workflow's schedule means: none, a preset Airflow understands, or a five-field cron expression.</summary>
public static class Schedules
{
    /// <summary>Airflow presets accepted by both 2.10 and 3.x, with the cron they stand for (null: runs once).</summary>
    public static IReadOnlyDictionary<string, string?> Presets { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["@once"] = null,
        ["@hourly"] = "0 * * * *",
        ["@daily"] = "0 0 * * *",
        ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *",
        ["@quarterly"] = "0 0 1 */3 *",
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
    };

    /// <summary>null when the schedule is acceptable, otherwise why not.</summary>
    public static string? Problem(string? schedule)
    {
        if (schedule is null)
        {
            return null;
        }

        if (schedule.StartsWith('@'))
        {
            return Presets.ContainsKey(schedule)
                ? null
                : $"Unknown schedule preset '{schedule}'. Use one of {string.Join(", ", Presets.Keys)}, a five-field cron expression, or null for manual runs.";
        }

        if (schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
        {
            return $"The schedule '{schedule}' is not a five-field cron expression (minute hour day-of-month month day-of-week).";
        }

        try
        {
            CronExpression.Parse(schedule, CronFormat.Standard);
            return null;
        }
        catch (CronFormatException e)
        {
            return $"The schedule '{schedule}' is not a valid cron expression: {e.Message}";
        }
    }

    /// <summary>An IANA time zone (what Airflow's pendulum understands); Windows names are refused.</summary>
    public static TimeZoneInfo? FindTimeZone(string name)
    {
        var looksIana = name == "UTC" || name.Contains('/', StringComparison.Ordinal);
        return looksIana && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone : null;
    }

    /// <summary>The next <paramref name="count"/> run times after <paramref name="after"/>, in UTC.</summary>
    public static IReadOnlyList<DateTimeOffset> NextRuns(string? schedule, string timezone, DateTimeOffset after, int count)
    {
        var cron = schedule is null ? null : schedule.StartsWith('@') ? Presets.GetValueOrDefault(schedule) : schedule;
        if (cron is null || FindTimeZone(timezone) is not { } zone)
        {
            return [];
        }

        return CronExpression.Parse(cron, CronFormat.Standard)
            .GetOccurrences(after.UtcDateTime, after.UtcDateTime.AddYears(5), zone, fromInclusive: false)
            .Take(count)
            .Select(d => new DateTimeOffset(d, TimeSpan.Zero))
            .ToList();
    }
}
