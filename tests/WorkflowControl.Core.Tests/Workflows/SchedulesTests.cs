using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

public sealed class SchedulesTests
{
    private static readonly DateTimeOffset Friday = new(2026, 1, 2, 12, 0, 0, TimeSpan.Zero);

    [TestCase(null)]
    [TestCase("@daily")]
    [TestCase("@quarterly")]
    [TestCase("*/15 6-18 * * 1-5")]
    [TestCase("0 6 * * MON-FRI")]
    [TestCase("0 6 1,15 jan-jun/2 *")]
    [TestCase("30 2 * * 7")]
    [TestCase("0 0 29 2 *")]
    [TestCase("0 0 31 2 mon")]
    [TestCase("0  6 * * *")]
    public void Accepted_schedules(string? schedule) => Assert.That(Schedules.Problem(schedule), Is.Null);

    [TestCase("@fortnightly", "Unknown schedule preset")]
    [TestCase("0 6 * *", "not a five-field cron expression")]
    [TestCase("0 25 * * *", "hour field '25'")]
    [TestCase("0 0 LW * *", "'L' (last day) is not supported")]
    [TestCase("0 0 * * 5L", "'L' (last day) is not supported")]
    [TestCase("0 0 L-3 * *", "'L' (last day) is not supported")]
    [TestCase("0 0 15W * *", "'W' (nearest weekday) is not supported")]
    [TestCase("0 0 1w * *", "'W' (nearest weekday) is not supported")]
    [TestCase("0 0 * * 5#3", "'#' (the nth weekday of the month) is not supported")]
    [TestCase("0 0 ? * *", "'?' is not supported")]
    [TestCase("H 0 * * *", "'H' (hashed values) is not supported")]
    [TestCase("0 0 0 * * *", "6 fields")]
    [TestCase("0 0 0 * * * 2030", "7 fields")]
    [TestCase("0 0 31 2 *", "never fires")]
    [TestCase("0 0 30,31 2 *", "never fires")]
    [TestCase("0 0 31 4,6,9,11 *", "never fires")]
    [TestCase("0 22-2 * * *", "runs backwards")]
    [TestCase("5/15 * * * *", "a step needs a range")]
    [TestCase("*/0 * * * *", "step")]
    [TestCase("*/60 * * * *", "step")]
    [TestCase("0 0 * * 8", "day-of-week field")]
    [TestCase("0 0 * * foo", "day-of-week field")]
    [TestCase("0\t0 * * *", "spaces only")]
    public void Refused_schedules_say_why(string schedule, string because) =>
        Assert.That(Schedules.Problem(schedule), Does.Contain(because));

    [Test]
    public void Next_runs_follow_the_time_zone_across_daylight_saving()
    {
        var runs = Schedules.NextRuns("0 6 * * *", "Europe/Berlin", new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero), 3);

        Assert.That(runs.Select(r => r.UtcDateTime.Hour), Is.EqualTo(new[] { 5, 4, 4 }), "06:00 Berlin is 05:00 UTC before 29 March and 04:00 after");
    }

    [Test]
    public void Day_of_month_and_day_of_week_together_fire_on_either_as_in_Airflow()
    {
        var runs = Schedules.NextRuns("0 0 13 * 5", "UTC", Friday, 4);

        Assert.That(runs.Select(r => r.ToString("yyyy-MM-dd")), Is.EqualTo(new[] { "2026-01-09", "2026-01-13", "2026-01-16", "2026-01-23" }),
            "croniter ORs a restricted day of month with a restricted day of week; Friday the 13th alone would be AND");
    }

    [Test]
    public void A_day_of_month_range_covering_the_month_counts_as_every_day()
    {
        Assert.That(Schedules.NextRuns("0 0 1-31 * 1", "UTC", Friday, 2), Is.EqualTo(Schedules.NextRuns("0 0 * * 1", "UTC", Friday, 2)));
    }

    [Test]
    public void A_time_skipped_by_the_spring_change_runs_once_at_the_offset_before_it()
    {
        var runs = Schedules.NextRuns("30 2 * * *", "Europe/Berlin", new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero), 2);

        Assert.That(runs, Is.EqualTo(new[] { new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero) }));
    }

    [Test]
    public void A_time_repeated_by_the_autumn_change_runs_once_the_first_time()
    {
        var runs = Schedules.NextRuns("30 2 * * *", "Europe/Berlin", new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero), 2);

        Assert.That(runs, Is.EqualTo(new[] { new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero) }));
    }

    [Test]
    public void The_29th_of_February_is_found_years_ahead()
    {
        var runs = Schedules.NextRuns("0 0 29 2 *", "UTC", new DateTimeOffset(2097, 1, 1, 0, 0, 0, TimeSpan.Zero), 1);

        Assert.That(runs.Single().Year, Is.EqualTo(2104), "2100 is not a leap year");
    }

    [TestCase("Europe/Berlin")]
    [TestCase("UTC")]
    [TestCase("Etc/UTC")]
    [TestCase("America/Argentina/Buenos_Aires")]
    [TestCase("Europe/Amsterdam")]
    public void Canonical_IANA_time_zones_are_accepted(string name) =>
        Assert.That(Schedules.TimeZoneProblem(name), Is.Null);

    [TestCase("W. Europe Standard Time", "Unknown time zone")]
    [TestCase("Mars/Olympus", "Unknown time zone")]
    [TestCase("Europe//Berlin", "Unknown time zone")]
    [TestCase("Europe///Berlin", "Unknown time zone")]
    [TestCase("Etc//UTC", "Unknown time zone")]
    [TestCase("right/UTC", "Unknown time zone")]
    [TestCase("posix/Europe/Berlin", "Unknown time zone")]
    [TestCase("europe/berlin", "Unknown time zone")]
    [TestCase("CET", "Unknown time zone")]
    [TestCase("US/Eastern", "canonical IANA name 'America/New_York'")]
    [TestCase("Europe/Kiev", "canonical IANA name 'Europe/Kyiv'")]
    public void Other_time_zone_names_are_refused(string name, string because)
    {
        Assert.That(Schedules.TimeZoneProblem(name), Does.Contain(because));
        Assert.That(Schedules.FindTimeZone(name), Is.Null);
    }

    [Test]
    public void The_time_zone_list_is_embedded_not_read_from_the_host() =>
        Assert.That(Schedules.TimeZoneNames, Has.Count.GreaterThan(400).And.Contains("Europe/Berlin").And.Not.Contains("Factory"));
}
