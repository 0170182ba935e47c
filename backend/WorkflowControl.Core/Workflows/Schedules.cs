using System.Reflection;

namespace WorkflowControl.Core.Workflows;

/// <summary>
/// What a workflow's schedule means: none, a preset Airflow understands, or a five-field cron expression in the
/// grammar of <see cref="CronSchedule"/>; and in which time zone (a canonical IANA name from an embedded list).
/// Validation, rendering, the dashboard and the editor's next runs all use these rules.
/// </summary>
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

    private static readonly (HashSet<string> Names, Dictionary<string, string> Renamed) Zones = ReadZones();

    /// <summary>The accepted time zone names, sorted: the same on every host, whatever its own time zone data.</summary>
    public static IReadOnlyList<string> TimeZoneNames { get; } = [.. Zones.Names.Order(StringComparer.Ordinal)];

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
                : $"Unknown schedule preset '{WorkflowValidator.Shorten(schedule)}'. Use one of {string.Join(", ", Presets.Keys)}, a five-field cron expression, or null for manual runs.";
        }

        return CronSchedule.Parse(schedule).Problem is { } problem
            ? $"The schedule '{WorkflowValidator.Shorten(schedule)}' is not accepted: {problem}"
            : null;
    }

    /// <summary>null when <paramref name="name"/> is an accepted time zone, otherwise why not (with the canonical name of an old alias).</summary>
    public static string? TimeZoneProblem(string name) =>
        Zones.Names.Contains(name) ? null
        : Zones.Renamed.TryGetValue(name, out var canonical) ? $"'{name}' is an old name of a time zone; use its canonical IANA name '{canonical}'."
        : $"Unknown time zone '{WorkflowValidator.Shorten(name)}'. Use a canonical IANA name such as 'UTC' or 'Europe/Berlin'.";

    /// <summary>
    /// The zone of an accepted name; null for any other. A host without that zone's data still gets a zone (UTC
    /// offsets then), so whether a name is accepted never depends on the host.
    /// </summary>
    public static TimeZoneInfo? FindTimeZone(string name)
    {
        if (TimeZoneProblem(name) is not null)
        {
            return null;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone : TimeZoneInfo.CreateCustomTimeZone(name, TimeSpan.Zero, name, name);
    }

    /// <summary>The next <paramref name="count"/> run times after <paramref name="after"/>, in UTC (none for manual or invalid schedules).</summary>
    public static IReadOnlyList<DateTimeOffset> NextRuns(string? schedule, string timezone, DateTimeOffset after, int count)
    {
        var cron = schedule is null ? null : schedule.StartsWith('@') ? Presets.GetValueOrDefault(schedule) : schedule;
        if (cron is null || FindTimeZone(timezone) is not { } zone || CronSchedule.Parse(cron).Schedule is not { } parsed)
        {
            return [];
        }

        return NextRuns(parsed, zone, after, count);
    }

    /// <summary>
    /// Walks the days in the zone: a local time skipped by a clock change runs at the same offset as before it
    /// (so 02:30 on the spring-forward night runs at 03:30), and a repeated local time runs once, the first time.
    /// </summary>
    private static List<DateTimeOffset> NextRuns(CronSchedule schedule, TimeZoneInfo zone, DateTimeOffset after, int count)
    {
        var runs = new List<DateTimeOffset>(count);
        var times = schedule.TimesOfDay().ToList();
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, zone).DateTime);
        // Nine years reach the next 29 February even across a century that skips one.
        for (var end = day.AddYears(9); day <= end && runs.Count < count; day = day.AddDays(1))
        {
            if (!schedule.MatchesDay(day))
            {
                continue;
            }

            foreach (var run in RunsOn(day, times, zone).Where(r => r > after))
            {
                if (runs.Count == count)
                {
                    break;
                }

                if (runs.Count == 0 || run > runs[^1])
                {
                    runs.Add(run);
                }
            }
        }

        return runs;
    }

    /// <summary>The day's runs in order; lazily at one offset on the usual day, all of them sorted on a day the clocks change.</summary>
    private static IEnumerable<DateTimeOffset> RunsOn(DateOnly day, List<TimeOnly> times, TimeZoneInfo zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        var offset = zone.GetUtcOffset(midnight);
        if (offset == zone.GetUtcOffset(midnight.AddDays(1)) && !zone.IsAmbiguousTime(midnight) && !zone.IsInvalidTime(midnight))
        {
            return times.Select(t => new DateTimeOffset(day.ToDateTime(t), offset).ToUniversalTime());
        }

        // A time moved forward by a clock change can pass a later one of the same day: order them by the instant.
        return times.Select(t => ToUtc(day.ToDateTime(t), zone)).Distinct().Order();
    }

    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        TimeSpan offset;
        if (zone.IsAmbiguousTime(local))
        {
            offset = zone.GetAmbiguousTimeOffsets(local).Max();
        }
        else if (zone.IsInvalidTime(local))
        {
            var before = local;
            do
            {
                before = before.AddMinutes(-30);
            }
            while (zone.IsInvalidTime(before));
            offset = zone.GetUtcOffset(before);
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset).ToUniversalTime();
    }

    private static (HashSet<string>, Dictionary<string, string>) ReadZones()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("timezones.txt")!;
        using var reader = new StreamReader(stream);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                names.Add(line);
            }
            else
            {
                renamed[line[..equals]] = line[(equals + 1)..];
            }
        }

        // Only suggest names that are themselves accepted, and never re-name an accepted one.
        foreach (var (old, canonical) in renamed.ToList())
        {
            if (names.Contains(old) || !names.Contains(canonical))
            {
                renamed.Remove(old);
            }
        }

        return (names, renamed);
    }
}
