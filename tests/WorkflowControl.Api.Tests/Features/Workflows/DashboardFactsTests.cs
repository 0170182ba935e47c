using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Tests.Features.Workflows;

/// <summary>What the dashboard shows per workflow: last run, deployment state, next scheduled run, and the run-state filter.</summary>
public sealed class DashboardFactsTests
{
    private static readonly DateTimeOffset Morning = new(2024, 5, 1, 4, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task List_shows_the_newest_run_the_deployment_state_and_the_next_scheduled_run()
    {
        var user = await TestUser.SignUpAsync();
        var term = Term();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple($"Sales {term}")); // 06:00 Europe/Berlin daily
        await DeployAsync(user, id, active: true);
        await StoreRunAsync(id, "scheduled__1", "success", Morning);
        await StoreRunAsync(id, "manual__2", "failed", Morning.AddHours(1));

        var item = await OnlyItemAsync(user, $"/workflows?search={term}");

        Assert.That(item.GetProperty("lastRun").GetProperty("state").GetString(), Is.EqualTo("failed"));
        Assert.That(item.GetProperty("lastRun").GetProperty("startedAt").GetDateTimeOffset(), Is.EqualTo(Morning.AddHours(1)));
        Assert.That(item.GetProperty("deploymentState").GetString(), Is.EqualTo("written"));
        var next = item.GetProperty("nextRunAt").GetDateTimeOffset();
        var berlin = TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.That((berlin.Hour, berlin.Minute), Is.EqualTo((6, 0)), "the schedule is read in the workflow's time zone");
        Assert.That(next, Is.GreaterThan(DateTimeOffset.UtcNow).And.LessThanOrEqualTo(DateTimeOffset.UtcNow.AddDays(1)));
    }

    [Test]
    public async Task A_workflow_never_deployed_or_left_paused_has_no_next_run()
    {
        var user = await TestUser.SignUpAsync();
        var term = Term();
        var draft = await user.CreateWorkflowIdAsync(Documents.Simple($"Draft {term}"));
        var paused = await user.CreateWorkflowIdAsync(Documents.Simple($"Paused {term}"));
        await DeployAsync(user, paused, active: false);

        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows?search={term}&sort=name");
        var items = list.GetProperty("items").EnumerateArray().ToList();

        Assert.That(items.Select(i => i.GetProperty("id").GetGuid()), Is.EqualTo(new[] { draft, paused }));
        Assert.That(items[0].GetProperty("deploymentState").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(items[0].GetProperty("lastRun").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(items[1].GetProperty("deploymentState").GetString(), Is.EqualTo("written"));
        Assert.That(items.Select(i => i.GetProperty("nextRunAt").ValueKind), Is.All.EqualTo(JsonValueKind.Null));
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&deployment=none"), Is.EqualTo(new[] { draft }));
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&deployment=written"), Is.EqualTo(new[] { paused }));
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&deployment=import_error"), Is.Empty);
    }

    [Test]
    public async Task State_filter_selects_by_the_last_run_and_works_with_search_sort_and_paging()
    {
        var user = await TestUser.SignUpAsync();
        var term = Term();
        var never = await user.CreateWorkflowIdAsync(Documents.Simple($"A never {term}"));
        var queued = await user.CreateWorkflowIdAsync(Documents.Simple($"B queued {term}"));
        var running = await user.CreateWorkflowIdAsync(Documents.Simple($"C running {term}"));
        var recovered = await user.CreateWorkflowIdAsync(Documents.Simple($"D recovered {term}"));
        var broken = await user.CreateWorkflowIdAsync(Documents.Simple($"E broken {term}"));
        var stopped = await user.CreateWorkflowIdAsync(Documents.Simple($"F stopped {term}"));
        await StoreRunAsync(queued, "r1", "queued", Morning);
        await StoreRunAsync(running, "r1", "running", Morning);
        await StoreRunAsync(recovered, "r1", "failed", Morning);
        await StoreRunAsync(recovered, "r2", "success", Morning.AddHours(1));
        await StoreRunAsync(broken, "r1", "success", Morning);
        await StoreRunAsync(broken, "r2", "failed", Morning.AddHours(1));
        await StoreRunAsync(stopped, "r1", "failed", Morning);
        await using (var db = new NpgsqlConnection(ApiFixture.ConnectionString))
        {
            // Cancelled: Airflow says failed, WorkflowControl remembers why.
            await db.ExecuteAsync("UPDATE runs SET cancelled_at = now() WHERE workflow_id = @stopped", new { stopped });
        }

        Assert.That(await IdsAsync(user, $"/workflows?search={term}&state=never"), Is.EqualTo(new[] { never }));
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&state=success"), Is.EqualTo(new[] { recovered }), "only the last run counts");
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&state=failed"), Is.EqualTo(new[] { broken }), "a cancelled run is no failure");
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&state=cancelled"), Is.EqualTo(new[] { stopped }));
        Assert.That((await OnlyItemAsync(user, $"/workflows?search={term}&state=cancelled")).GetProperty("lastRun").GetProperty("state").GetString(), Is.EqualTo("cancelled"));
        var firstPage = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows?search={term}&state=running&sort=-name&pageSize=1&page=1");
        Assert.That(firstPage.GetProperty("total").GetInt32(), Is.EqualTo(2), "queued counts as running");
        Assert.That(firstPage.GetProperty("items")[0].GetProperty("id").GetGuid(), Is.EqualTo(running));
        Assert.That(await IdsAsync(user, $"/workflows?search={term}&state=running&sort=-name&pageSize=1&page=2"), Is.EqualTo(new[] { queued }));
    }

    [Test]
    public async Task Unknown_state_filter_is_refused_with_the_accepted_values()
    {
        var user = await TestUser.SignUpAsync();

        var response = await user.Client.GetAsync("/workflows?state=green");

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("never, running, success, failed"));
    }

    [Test]
    public void Next_run_is_computed_only_for_a_deployment_airflow_will_schedule()
    {
        Assert.That(ListWorkflows.NextRun("parsed", true, "0 6 * * *", "Europe/Berlin", Morning.AddHours(-1)), Is.EqualTo(Morning), "06:00 in Berlin is 04:00 UTC in May");
        Assert.That(ListWorkflows.NextRun("parsed", true, "@daily", "UTC", Morning), Is.EqualTo(new DateTimeOffset(2024, 5, 2, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(ListWorkflows.NextRun("import_error", true, "0 6 * * *", "UTC", Morning), Is.Null);
        Assert.That(ListWorkflows.NextRun("parsed", false, "0 6 * * *", "UTC", Morning), Is.Null);
        Assert.That(ListWorkflows.NextRun("parsed", true, null, "UTC", Morning), Is.Null);
    }

    private static string Term() => "dash" + Guid.NewGuid().ToString("N")[..10];

    private static async Task DeployAsync(TestUser user, Guid id, bool active)
    {
        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active });
        Assert.That((int)response.StatusCode, Is.EqualTo(201).Or.EqualTo(202).Or.EqualTo(200), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Stores a run the way the tracker does when it discovers it in Airflow.</summary>
    private static async Task StoreRunAsync(Guid workflowId, string runId, string state, DateTimeOffset startedAt)
    {
        await using var database = NpgsqlDataSource.Create(ApiFixture.ConnectionString);
        var dagId = DagPaths.DagId(workflowId);
        var run = new AirflowDagRun(dagId, runId, state, "scheduled", startedAt, startedAt, null, null);
        // The tracker's clock: runs recorded in the order they started.
        var store = new PostgresRunStore(database, new FixedTime(startedAt));
        await store.SaveAsync(new RunPollResult([new RunChange(new RunKey(dagId, runId), RunChangeKind.Discovered, null, state, run)], [], 1), CancellationToken.None);
    }

    private static async Task<JsonElement> OnlyItemAsync(TestUser user, string url)
    {
        var items = (await user.Client.GetFromJsonAsync<JsonElement>(url)).GetProperty("items");
        Assert.That(items.GetArrayLength(), Is.EqualTo(1));
        return items[0];
    }

    private static async Task<Guid[]> IdsAsync(TestUser user, string url) =>
        (await user.Client.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
