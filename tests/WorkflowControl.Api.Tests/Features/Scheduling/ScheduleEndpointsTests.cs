using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace WorkflowControl.Api.Tests.Features.Scheduling;

/// <summary>The editor's next runs and time zones come from the rules a save applies.</summary>
public sealed class ScheduleEndpointsTests
{
    private TestUser _user = null!;

    [OneTimeSetUp]
    public async Task SignUp() => _user = await TestUser.SignUpAsync();

    [Test]
    public async Task Next_runs_are_computed_in_the_workflows_time_zone()
    {
        var answer = await _user.Client.GetFromJsonAsync<JsonElement>(
            "/schedules/next-runs?schedule=0%206%20*%20*%20*&timezone=Europe/Berlin&count=3&after=2026-03-27T12:00:00Z");

        Assert.That(answer.GetProperty("runs").EnumerateArray().Select(r => r.GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd HH:mm")),
            Is.EqualTo(new[] { "2026-03-28 05:00", "2026-03-29 04:00", "2026-03-30 04:00" }));
    }

    [Test]
    public async Task Day_of_month_and_weekday_together_fire_on_either_as_Airflow_does()
    {
        var answer = await _user.Client.GetFromJsonAsync<JsonElement>(
            "/schedules/next-runs?schedule=0%200%2013%20*%205&timezone=UTC&count=2&after=2026-01-02T12:00:00Z");

        Assert.That(answer.GetProperty("runs").EnumerateArray().Select(r => r.GetDateTimeOffset().ToString("yyyy-MM-dd")), Is.EqualTo(new[] { "2026-01-09", "2026-01-13" }));
    }

    [Test]
    public async Task A_manual_schedule_has_no_next_runs()
    {
        var answer = await _user.Client.GetFromJsonAsync<JsonElement>("/schedules/next-runs?timezone=UTC");

        Assert.That(answer.GetProperty("runs").GetArrayLength(), Is.Zero);
    }

    [TestCase("0 0 L * *", "/spec/schedule", "'L' (last day)")]
    [TestCase("0 0 31 2 *", "/spec/schedule", "never fires")]
    [TestCase("H 0 * * *", "/spec/schedule", "'H' (hashed values)")]
    public async Task A_schedule_a_save_would_refuse_gets_the_same_problem(string schedule, string pointer, string because)
    {
        var response = await _user.Client.GetAsync($"/schedules/next-runs?schedule={Uri.EscapeDataString(schedule)}&timezone=UTC");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("problems")[0].GetProperty("pointer").GetString(), Is.EqualTo(pointer));
        Assert.That(problem.GetProperty("problems")[0].GetProperty("message").GetString(), Does.Contain(because));
    }

    [Test]
    public async Task A_time_zone_a_save_would_refuse_gets_the_same_problem()
    {
        var response = await _user.Client.GetAsync("/schedules/next-runs?schedule=%40daily&timezone=Europe//Berlin");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("problems")[0].GetProperty("pointer").GetString(), Is.EqualTo("/spec/timezone"));
    }

    [Test]
    public async Task The_time_zone_list_is_the_accepted_one()
    {
        var zones = await _user.Client.GetFromJsonAsync<string[]>("/schedules/timezones");

        Assert.That(zones, Does.Contain("Europe/Berlin").And.Contain("UTC").And.Not.Contain("right/UTC").And.Not.Contain("US/Eastern"));
    }
}
