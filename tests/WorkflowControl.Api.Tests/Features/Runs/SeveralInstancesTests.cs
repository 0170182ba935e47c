using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Health;
using WorkflowControl.Api.Infrastructure.Database;
using WorkflowControl.Api.Tests.Infrastructure.Database;
using WorkflowControl.Testing;
using static WorkflowControl.Api.Tests.Features.Collaboration.CollaborationHubTests;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>
/// Three API instances on one PostgreSQL and one Redis, each with run tracking on, on one fake clock: one of them polls
/// Airflow (the lease holder), the others stand by; a browser on a standing-by instance gets every change through the
/// backplane, also after the poller died and another took over.
/// </summary>
public sealed class SeveralInstancesTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(3);
    private const string RunsList = "/api/v1/dags/~/dagRuns/list";
    private const string TasksList = "/api/v1/dags/~/dagRuns/~/taskInstances/list";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<ApiFactory> _instances = [];
    private ThrowawayRedis _redis = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _redis = await ThrowawayRedis.StartAsync();
        // A database of its own: the poller tracks every deployed workflow of its database, and only this test's count.
        var database = await ApiFixture.Postgres.CreateDatabaseAsync("workflowcontrol_cluster");
        var settings = new Dictionary<string, string?>
        {
            ["SignalR:Redis"] = _redis.ConnectionString,
            ["Airflow:Tracking:Enabled"] = "true",
            ["Airflow:Tracking:PollInterval"] = Poll.ToString(),
            ["Airflow:Leadership:LockKey"] = "7",
        };
        for (var i = 0; i < 3; i++)
        {
            _instances.Add(new ApiFactory(database, settings, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time))));
        }
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Test]
    public async Task Three_instances_poll_Airflow_as_one_and_a_run_ends_as_success_for_a_browser_on_another_instance_after_the_poller_dies()
    {
        var trackers = _instances.Select(Tracker).ToArray();
        await Task.WhenAny(trackers.Select(t => CycledAsync(t, 0)));
        var leader = _instances[Array.FindIndex(trackers, t => t.Cycles > 0)];
        var others = _instances.Where(i => i != leader).ToArray();
        var (runner, watcher) = (others[0], others[1]);
        Assert.That(_instances.Count(i => i.Services.GetRequiredService<LeaderLease>().IsHeld), Is.EqualTo(1), "one lease holder");

        var user = await TestUser.SignUpAsync(runner);
        var id = await user.CreateWorkflowIdAsync();
        await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = true });
        await runner.FollowDeploymentsAsync();
        var dagId = "wf_" + id.ToString().Replace('-', '_');
        AirflowStub.Json("POST", AirflowStub.RunsPath(dagId), 200, AirflowStub.DagRun(dagId, "any", "queued"));
        await using var hub = await HubClients.ConnectAsync(watcher, user);
        var runEvents = Events(hub, "runChanged");
        var taskEvents = Events(hub, "taskChanged");
        await hub.InvokeAsync("Subscribe", id);
        var runId = (await (await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        await hub.InvokeAsync("WatchRun", id, runId);

        // Poll 1, by the leader: the run and its first task are running.
        var started = _time.GetUtcNow();
        AirflowStub.Json("POST", RunsList, 200, Runs(dagId, runId, "running"));
        AirflowStub.Json("POST", TasksList, 200, AirflowStub.TaskInstances(dagId, runId, started, ("extract", "running"), ("clean", null)));
        var before = AirflowStub.Server.LogEntries.Count();
        var polled = CycledAsync(Tracker(leader), Tracker(leader).Cycles);
        var standing = others.Select(o => StoodByAsync(Tracker(o), _time.GetUtcNow() + Poll)).ToArray();
        _time.Advance(Poll);
        await polled;
        await Task.WhenAll(standing);
        var requests = AirflowStub.Server.LogEntries.Skip(before).Select(e => e.RequestMessage!.Path).ToList();
        var runs = await UntilAsync(runEvents, [], e => e.GetProperty("state").GetString() == "running");
        var tasks = await UntilAsync(taskEvents, [], e => e.GetProperty("taskId").GetString() == "extract");

        // The leader dies mid-run (its database session ends with it); Airflow finishes the run meanwhile.
        await LeaderLeaseTests.TerminateAsync(leader.Services.GetRequiredService<LeaderLease>().SessionProcessId!.Value);
        await leader.DisposeAsync();
        _instances.Remove(leader);
        AirflowStub.Json("POST", RunsList, 200, Runs(dagId, runId, "success"));
        AirflowStub.Json("POST", TasksList, 200, AirflowStub.TaskInstances(dagId, runId, started, ("extract", "success"), ("clean", "success")));
        var takeover = Task.WhenAny(others.Select(o => CycledAsync(Tracker(o), Tracker(o).Cycles)));
        _time.Advance(Poll);
        await takeover;
        runs = await UntilAsync(runEvents, runs, e => e.GetProperty("state").GetString() == "success");
        tasks = await UntilAsync(taskEvents, tasks, _ => Final(tasks) is { Count: 2 } done && done.Values.All(s => s == "success"));

        Assert.That(requests, Is.EqualTo(new[] { RunsList, RunsList, TasksList }),
            "a poll of three instances costs Airflow what one instance's poll does: active and finished runs, and the watched run's tasks, in one batch each");
        Assert.That(others.Count(o => o.Services.GetRequiredService<LeaderLease>().IsHeld), Is.EqualTo(1), "one survivor took over within one poll interval");
        Assert.That(runs.Select(State), Is.EqualTo(new[] { "running", "success" }), "every state of the run reached the browser, once");
        Assert.That(tasks.Where(t => t.GetProperty("taskId").GetString() == "extract").Select(State), Is.EqualTo(new[] { "running", "success" }));
        Assert.That(Final(tasks)["clean"], Is.EqualTo("success"));
        var standby = Tracker(others.Single(o => !o.Services.GetRequiredService<LeaderLease>().IsHeld));
        var health = RunTrackerCheck.Decide(standby, _time.GetUtcNow(), TimeSpan.FromMinutes(1));
        Assert.That(health.Status, Is.EqualTo(HealthStatus.Healthy), "an instance that stands by is not unhealthy");
        Assert.That(health.Description, Does.Contain("stands by"));
    }

    private static RunTracker Tracker(ApiFactory api) => api.Services.GetRequiredService<RunTracker>();

    private static string? State(JsonElement change) => change.GetProperty("state").GetString();

    private static Dictionary<string, string?> Final(List<JsonElement> tasks) =>
        tasks.GroupBy(t => t.GetProperty("taskId").GetString()!).ToDictionary(g => g.Key, g => State(g.Last()));

    private static JsonObject Runs(string dagId, string runId, string state) =>
        new() { ["dag_runs"] = new JsonArray(AirflowStub.DagRun(dagId, runId, state)), ["total_entries"] = 1 };

    /// <summary>Reads events onto <paramref name="seen"/> until one satisfies <paramref name="last"/>.</summary>
    private static async Task<List<JsonElement>> UntilAsync(ChannelReader<JsonElement> events, List<JsonElement> seen, Func<JsonElement, bool> last)
    {
        while (true)
        {
            var next = await NextAsync(events);
            seen.Add(next);
            if (last(next))
            {
                return seen;
            }
        }
    }

    /// <summary>Completes once the tracker has finished more than <paramref name="cycles"/> poll cycles.</summary>
    private static Task CycledAsync(RunTracker tracker, int cycles)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tracker.CycleCompleted += (_, _) =>
        {
            if (tracker.Cycles > cycles)
            {
                done.TrySetResult();
            }
        };
        if (tracker.Cycles > cycles)
        {
            done.TrySetResult();
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Completes once the tracker stood by at <paramref name="since"/> or later on the fake clock (its next check is then scheduled after it).</summary>
    private Task StoodByAsync(RunTracker tracker, DateTimeOffset since)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tracker.StoodBy += (_, _) =>
        {
            if (_time.GetUtcNow() >= since)
            {
                done.TrySetResult();
            }
        };
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
