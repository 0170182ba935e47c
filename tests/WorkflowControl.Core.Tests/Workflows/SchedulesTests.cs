using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

public sealed class SchedulesTests
{
    [TestCase(null)]
    [TestCase("@daily")]
    [TestCase("*/15 6-18 * * 1-5")]
    public void Accepted_schedules(string? schedule) => Assert.That(Schedules.Problem(schedule), Is.Null);

    [TestCase("@fortnightly", "Unknown schedule preset")]
    [TestCase("0 6 * *", "not a five-field cron expression")]
    [TestCase("0 25 * * *", "not a valid cron expression")]
    public void Refused_schedules_say_why(string schedule, string because) =>
        Assert.That(Schedules.Problem(schedule), Does.Contain(because));

    [Test]
    public void Next_runs_follow_the_time_zone_across_daylight_saving()
    {
        var runs = Schedules.NextRuns("0 6 * * *", "Europe/Berlin", new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero), 3);

        Assert.That(runs.Select(r => r.UtcDateTime.Hour), Is.EqualTo(new[] { 5, 4, 4 }), "06:00 Berlin is 05:00 UTC before 29 March and 04:00 after");
    }

    [TestCase("Europe/Berlin", true)]
    [TestCase("UTC", true)]
    [TestCase("W. Europe Standard Time", false)]
    [TestCase("Mars/Olympus", false)]
    public void Only_IANA_time_zones_are_accepted(string name, bool accepted) =>
        Assert.That(Schedules.FindTimeZone(name) is not null, Is.EqualTo(accepted));
}
