using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Api.Features.Health;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Infrastructure.Database;
using WorkflowControl.Api.Tests.Infrastructure.Database;
using WorkflowControl.Testing;
using static WorkflowControl.Api.Tests.Features.Collaboration.CollaborationHubTests;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>
/// Three API instances on one PostgreSQL and one Redis, each with run tracking on, on one fake clock: one of them polls
/// Airflow (the lease holder), the others stand by; a browser on a standing-by instance gets every change through the
/// backplane, also after the poller died (between polls, or between storing a change and pushing it) and another took over.
/// </summary>
public sealed class SeveralInstancesTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(3);
    private const string RunsList = "/api/v1/dags/~/dagRuns/list";
    private const string TasksList = "/api/v1/dags/~/dagRuns/~/taskInstances/list";
    private const string ImportErrors = "/api/v1/importErrors";

    private FakeTimeProvider _time = null!;
    private readonly List<ApiFactory> _instances = [];
    private PushGate _gate = null!;
    private ThrowawayRedis _redis = null!;
    private string _database = "";
    private int _clusters;

    [OneTimeSetUp]
    public async Task StartRedis() => _redis = await ThrowawayRedis.StartAsync();

    [OneTimeTearDown]
    public async Task StopRedis() => await _redis.DisposeAsync();

    [TearDown]
    public async Task StopCluster()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        _instances.Clear();
    }

    [Test]
    public async Task Three_instances_poll_Airflow_as_one_and_a_run_ends_as_success_for_a_browser_on_another_instance_after_the_poller_dies()
    {
        await StartClusterAsync();
        var run = await StartedRunAsync();
        var (leader, others) = (run.Leader, run.Others);

        // The leader dies mid-run (its database session ends with it); Airflow finishes the run meanwhile.
        await KillAsync(leader);
        AirflowStub.Json("POST", RunsList, 200, Runs(run.DagId, run.RunId, "success"));
        AirflowStub.Json("POST", TasksList, 200, AirflowStub.TaskInstances(run.DagId, run.RunId, run.Started, ("extract", "success"), ("clean", "success")));
        var takeover = Task.WhenAny(others.Select(o => CycledAsync(Tracker(o), Tracker(o).Cycles)));
        _time.Advance(Poll);
        await takeover;
        var (runs, tasks) = await run.UntilSuccessAsync();

        Assert.That(run.IntervalPollRequests, Is.EqualTo(new[] { RunsList, RunsList, TasksList }),
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

    [Test]
    public async Task A_run_state_the_poller_stored_but_died_before_pushing_reaches_a_browser_on_another_instance()
    {
        await StartClusterAsync();
        var run = await StartedRunAsync();
        var (leader, others) = (run.Leader, run.Others);

        // Airflow finishes the run; the leader stores "success" and dies before pushing it.
        AirflowStub.Json("POST", RunsList, 200, Runs(run.DagId, run.RunId, "success"));
        AirflowStub.Json("POST", TasksList, 200, AirflowStub.TaskInstances(run.DagId, run.RunId, run.Started, ("extract", "success"), ("clean", "success")));
        _gate.Arm();
        var standing = others.Select(o => StoodByAsync(Tracker(o), _time.GetUtcNow() + Poll)).ToArray();
        _time.Advance(Poll);
        await _gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(standing);
        var storedBeforeDeath = await StoredStateAsync(run.WorkflowId, run.RunId);
        await KillAsync(leader);

        var takeover = Task.WhenAny(others.Select(o => CycledAsync(Tracker(o), Tracker(o).Cycles)));
        _time.Advance(Poll);
        await takeover;
        var (runs, tasks) = await run.UntilSuccessAsync();

        Assert.That(storedBeforeDeath, Is.EqualTo("success"), "the leader died after storing the run's end, before pushing it");
        Assert.That(runs.Select(State), Is.EqualTo(new[] { "running", "success" }),
            "the new poller pushed what the dead one had stored but not sent, though Airflow and the store now agree");
        Assert.That(runs[^1].GetProperty("oldState").GetString(), Is.EqualTo("running"), "the change as it was stored, not a guess");
        Assert.That(Final(tasks), Is.EqualTo(new Dictionary<string, string?> { ["extract"] = "success", ["clean"] = "success" }));
        await using var db = new NpgsqlConnection(_database);
        Assert.That(await db.ExecuteScalarAsync<long>("SELECT count(*) FROM run_outbox"), Is.Zero, "nothing is left to push");
    }

    [Test]
    public async Task A_run_triggered_and_opened_through_standing_by_instances_is_polled_at_once_by_the_poller()
    {
        await StartClusterAsync();
        var run = await StartedRunAsync();

        Assert.That(run.SeenBeforeTheClockMoved, Is.True,
            "the trigger's and the watch's early polls, asked on instances that stand by, reached the poller: no wait for the interval");
        Assert.That(run.Others.Select(o => Tracker(o).Cycles), Is.All.Zero, "the instances that stand by asked, and did not poll Airflow themselves");
        Assert.That(run.RunEvents.Select(State), Is.EqualTo(new[] { "running" }));
        await run.Hub.DisposeAsync();
    }

    [Test]
    public async Task Three_instances_follow_a_deployment_as_one_and_another_instance_takes_over_when_the_follower_dies()
    {
        await StartClusterAsync(followDeployments: true);
        var followers = _instances.Select(Follower).ToArray();
        await Task.WhenAll(followers.Select(f => FollowedAsync(f, 0)));
        var leader = _instances.Single(i => i.Services.GetRequiredService<LeaderLease>().IsHeld);
        var others = _instances.Where(i => i != leader).ToArray();
        var user = await TestUser.SignUpAsync(others[0]);
        var id = await user.CreateWorkflowIdAsync();
        var dagId = "wf_" + id.ToString().Replace('-', '_');
        // Airflow has not found the new file yet: the deployment stays written, and is followed at every poll.
        var notFound = Guid.NewGuid();
        AirflowStub.Server.Given(Request.Create().WithPath($"/api/v1/dags/{dagId}").UsingGet()).WithGuid(notFound)
            .RespondWith(Response.Create().WithStatusCode(404).WithHeader("Content-Type", "application/json")
                .WithBody(AirflowStub.Recorded("40-get-dag-after-delete-404.json", dagId, "unused").ToJsonString()));
        var deployed = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = false });
        Assert.That((int)deployed.StatusCode, Is.EqualTo(201), await deployed.Content.ReadAsStringAsync());

        var followed = await OnePollAsync(followers, dagId);
        var stateWhileLeaderLives = await DeploymentStateAsync(user, others[1], id);
        await KillAsync(leader);
        AirflowStub.Server.DeleteMapping(notFound);
        var survivors = others.Select(Follower).ToArray();
        var followedAfter = await OnePollAsync(survivors, dagId);

        Assert.That(followed, Is.EqualTo(new[] { ImportErrors, $"/api/v1/dags/{dagId}" }),
            "a poll of three instances follows the deployment as one instance does: the import errors and the DAG, once each");
        Assert.That(stateWhileLeaderLives, Is.EqualTo("written"));
        Assert.That(followedAfter.Count(p => p == ImportErrors), Is.EqualTo(1), "one survivor took over the following, within one poll interval");
        Assert.That(others.Count(o => o.Services.GetRequiredService<LeaderLease>().IsHeld), Is.EqualTo(1));
        Assert.That(await DeploymentStateAsync(user, others[1], id), Is.EqualTo("parsed"), "the new follower saw Airflow parse the file");
    }

    /// <summary>
    /// Three instances on a database of their own (the poller tracks every deployed workflow of its database, and only
    /// this test's count), with one lock key, one Redis and the fake clock.
    /// </summary>
    private async Task StartClusterAsync(bool followDeployments = false)
    {
        // A clock of its own, from now: what the stub Airflow parses (on the real clock) is not older than what was deployed.
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _gate = new PushGate();
        _database = await ApiFixture.Postgres.CreateDatabaseAsync($"workflowcontrol_cluster_{++_clusters}");
        var settings = new Dictionary<string, string?>
        {
            ["SignalR:Redis"] = _redis.ConnectionString,
            ["Airflow:Tracking:Enabled"] = "true",
            ["Airflow:Tracking:PollInterval"] = Poll.ToString(),
            ["Airflow:Leadership:LockKey"] = "7",
            ["Airflow:Deployments:Enabled"] = followDeployments ? "true" : "false",
            ["Airflow:Deployments:PollInterval"] = Poll.ToString(),
        };
        for (var i = 0; i < 3; i++)
        {
            _instances.Add(new ApiFactory(_database, settings, services: s =>
            {
                s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time));
                s.Replace(ServiceDescriptor.Singleton<IRunNotifier>(sp => new GatedNotifier(ActivatorUtilities.CreateInstance<LiveRunNotifier>(sp), _gate)));
            }));
        }

        foreach (var instance in _instances)
        {
            _ = instance.Server;
        }
    }

    /// <summary>
    /// A deployed workflow's run, triggered through one standing-by instance and watched by a browser on the other; the
    /// leader's first poll found it running with its first task running, and the browser heard both.
    /// </summary>
    private async Task<StartedRun> StartedRunAsync()
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
        var hub = await HubClients.ConnectAsync(watcher, user);
        var runEvents = Events(hub, "runChanged");
        var taskEvents = Events(hub, "taskChanged");
        await hub.InvokeAsync("Subscribe", id);
        await Task.WhenAll(_instances.Select(i => After(h => Requests(i).StartedListening += h, () => Requests(i).Listening)));

        // Airflow starts the run at once, with its first task. The trigger and the watch, each on an instance that stands
        // by, ask for an early poll: the leader hears both and polls before the clock moves.
        var started = _time.GetUtcNow();
        // Until the lists have it, a poll asks for the run alone.
        AirflowStub.Json("POST", RunsList, 200, new JsonObject { ["dag_runs"] = new JsonArray(), ["total_entries"] = 0 });
        AirflowStub.Json("GET", AirflowStub.RunsPath(dagId) + "/*", 200, AirflowStub.DagRun(dagId, "any", "running"));
        var quiet = QuietAsync(leader, requests: 2);
        var runId = (await (await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        AirflowStub.Json("POST", RunsList, 200, Runs(dagId, runId, "running"));
        AirflowStub.Json("POST", TasksList, 200, AirflowStub.TaskInstances(dagId, runId, started, ("extract", "running"), ("clean", null)));
        await hub.InvokeAsync("WatchRun", id, runId);
        var run = new StartedRun(leader, others, hub, runEvents, taskEvents, id, dagId, runId, started);
        await UntilAsync(runEvents, run.RunEvents, e => State(e) == "running");
        await UntilAsync(taskEvents, run.TaskEvents, e => e.GetProperty("taskId").GetString() == "extract");
        run.SeenBeforeTheClockMoved = _time.GetUtcNow() == started;
        await quiet;

        // A poll at the interval, by the leader alone: nothing changed.
        var before = AirflowStub.Server.LogEntries.Count();
        var polled = CycledAsync(Tracker(leader), Tracker(leader).Cycles);
        var standing = others.Select(o => StoodByAsync(Tracker(o), _time.GetUtcNow() + Poll)).ToArray();
        _time.Advance(Poll);
        await polled;
        await Task.WhenAll(standing);
        run.IntervalPollRequests = [.. AirflowStub.Server.LogEntries.Skip(before).Select(e => e.RequestMessage!.Path)];
        return run;
    }

    /// <summary>
    /// Completes once every instance heard <paramref name="requests"/> early-poll requests and the leader has polled after
    /// them and waits for its interval with none pending (so the next poll is the clock's).
    /// </summary>
    private Task QuietAsync(ApiFactory leader, int requests)
    {
        var heard = _instances.Select(Requests).Select(r => After(h => r.RequestHeard += h, () => r.Heard >= requests));
        var (tracker, asked) = (Tracker(leader), Requests(leader));
        // The leader wakes its tracker before it counts a request: waiting with none pending after the last one means a
        // cycle started after it and ended.
        var idle = After(h => tracker.Waiting += h, () => false, () => asked.Heard >= requests && !tracker.PollPending);
        return Task.WhenAll([.. heard, idle]);
    }

    /// <summary>The instance dies: its lease's database session ends with it, and it leaves the cluster.</summary>
    private async Task KillAsync(ApiFactory instance)
    {
        await LeaderLeaseTests.TerminateAsync(instance.Services.GetRequiredService<LeaderLease>().SessionProcessId!.Value);
        await instance.DisposeAsync();
        _instances.Remove(instance);
    }

    /// <summary>Moves the clock one poll on and returns the deployment follower's Airflow requests of that round.</summary>
    private async Task<List<string>> OnePollAsync(DeploymentFollower[] followers, string dagId)
    {
        var before = AirflowStub.Server.LogEntries.Count();
        var rounds = followers.Select(f => FollowedAsync(f, f.Cycles)).ToArray();
        _time.Advance(Poll);
        await Task.WhenAll(rounds);
        // The run trackers poll at the same time; the follower's requests are the import errors and the DAG.
        return AirflowStub.Server.LogEntries.Skip(before).Select(e => e.RequestMessage!.Path!)
            .Where(p => p == ImportErrors || p == $"/api/v1/dags/{dagId}").ToList();
    }

    private async Task<string?> StoredStateAsync(Guid workflowId, string runId)
    {
        await using var db = new NpgsqlConnection(_database);
        return await db.ExecuteScalarAsync<string>("SELECT state FROM runs WHERE workflow_id = @workflowId AND dag_run_id = @runId", new { workflowId, runId });
    }

    private static async Task<string?> DeploymentStateAsync(TestUser user, ApiFactory instance, Guid id)
    {
        using var client = instance.CreateClient();
        client.DefaultRequestHeaders.Authorization = user.Client.DefaultRequestHeaders.Authorization;
        var deployments = await client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments");
        return deployments[0].GetProperty("state").GetString();
    }

    private static RunTracker Tracker(ApiFactory api) => api.Services.GetRequiredService<RunTracker>();

    private static DeploymentFollower Follower(ApiFactory api) => api.Services.GetRequiredService<DeploymentFollower>();

    private static PollRequests Requests(ApiFactory api) => api.Services.GetRequiredService<PollRequests>();

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
    private static Task CycledAsync(RunTracker tracker, int cycles) =>
        After(h => tracker.CycleCompleted += h, () => tracker.Cycles > cycles);

    /// <summary>Completes once the follower has finished more than <paramref name="cycles"/> rounds (its next one is then scheduled).</summary>
    private static Task FollowedAsync(DeploymentFollower follower, int cycles) =>
        After(h => follower.CycleCompleted += h, () => follower.Cycles > cycles);

    /// <summary>Completes once the tracker stood by at <paramref name="since"/> or later on the fake clock (its next check is then scheduled after it).</summary>
    private Task StoodByAsync(RunTracker tracker, DateTimeOffset since) =>
        After(h => tracker.StoodBy += h, () => false, () => _time.GetUtcNow() >= since);

    /// <summary>Completes when <paramref name="done"/> holds now, or at an event after which <paramref name="whenRaised"/> (or <paramref name="done"/>) holds.</summary>
    private static Task After(Action<EventHandler> subscribe, Func<bool> done, Func<bool>? whenRaised = null)
    {
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, _) =>
        {
            if ((whenRaised ?? done)())
            {
                completed.TrySetResult();
            }
        });
        if (done())
        {
            completed.TrySetResult();
        }

        // A guard against a hang, not a measurement: a cycle against a local stub takes milliseconds.
        return completed.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed record StartedRun(
        ApiFactory Leader, ApiFactory[] Others, HubConnection Hub, ChannelReader<JsonElement> Runs, ChannelReader<JsonElement> Tasks,
        Guid WorkflowId, string DagId, string RunId, DateTimeOffset Started)
    {
        /// <summary>The browser heard the run and its first task running while the fake clock still stood at the trigger.</summary>
        public bool SeenBeforeTheClockMoved { get; set; }

        /// <summary>The cluster's Airflow requests in the first poll at the interval.</summary>
        public List<string?> IntervalPollRequests { get; set; } = [];

        public List<JsonElement> RunEvents { get; } = [];

        public List<JsonElement> TaskEvents { get; } = [];

        /// <summary>Reads the browser's events until the run succeeded and both tasks did.</summary>
        public async Task<(List<JsonElement> Runs, List<JsonElement> Tasks)> UntilSuccessAsync()
        {
            var runs = await UntilAsync(Runs, RunEvents, e => State(e) == "success");
            var tasks = await UntilAsync(Tasks, TaskEvents, _ => Final(TaskEvents) is { Count: 2 } done && done.Values.All(s => s == "success"));
            await Hub.DisposeAsync();
            return (runs, tasks);
        }
    }

    /// <summary>Once armed, holds the next push of whichever instance polls, so the test can kill it between store and push.</summary>
    private sealed class PushGate
    {
        private int _armed;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public bool Take() => Interlocked.Exchange(ref _armed, 0) == 1;
    }

    /// <summary>The instance's real notifier, behind the gate: a held push never happens, as when the process dies there.</summary>
    private sealed class GatedNotifier(IRunNotifier inner, PushGate gate) : IRunNotifier
    {
        public async Task NotifyAsync(RunPollResult result, CancellationToken ct)
        {
            if (gate.Take())
            {
                gate.Reached.TrySetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }

            await inner.NotifyAsync(result, ct);
        }
    }
}
