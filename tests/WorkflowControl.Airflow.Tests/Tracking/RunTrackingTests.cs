using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowControl.Airflow.Tests.Fakes;
using WorkflowControl.Testing.Airflow;
using WorkflowControl.Airflow.Tracking;

namespace WorkflowControl.Airflow.Tests.Tracking;

[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public class RunTrackingTests(AirflowGeneration generation) : AirflowTestBase(generation)
{
    private InMemoryRunStore _store = null!;
    private RunWatchList _watch = null!;
    private RunTrackingEngine _engine = null!;

    [SetUp]
    public void CreateEngine()
    {
        _store = new InMemoryRunStore();
        _watch = new RunWatchList();
        _engine = new RunTrackingEngine(H.Client, _store, _store, _watch, Options.Create(new RunTrackingOptions()), H.Time, NullLogger<RunTrackingEngine>.Instance);
    }

    [Test]
    public async Task Requests_per_poll_grow_with_pages_of_100_runs_not_with_runs()
    {
        for (var d = 0; d < 5; d++)
        {
            H.Airflow.AddDag($"wf_{d}");
        }

        for (var i = 0; i < 250; i++)
        {
            H.Airflow.AddRun($"wf_{i % 5}", $"run_{i}", "running", "manual");
            _store.Add($"wf_{i % 5}", $"run_{i}", "running");
        }

        using var watcher1 = _watch.Watch(new RunKey("wf_0", "run_0"));
        using var watcher2 = _watch.Watch(new RunKey("wf_1", "run_1"));
        await H.Client.GetServerInfoAsync();
        H.Airflow.ResetCounts();

        var first = await _engine.PollOnceAsync();

        Assert.That(H.Airflow.Count("POST", "/dags/~/dagRuns/list"), Is.EqualTo(3 + 1), "3 pages of active runs, 1 of recently finished");
        Assert.That(H.Airflow.Count("POST", "/taskInstances/list"), Is.EqualTo(1), "task instances of the 2 watched runs only, in one request");
        Assert.That(H.Airflow.AllRequests.Count(r => r.Contains("/dagRuns/run_", StringComparison.Ordinal)), Is.Zero, "no request per run");
        Assert.That(first.Runs, Is.Empty, "nothing changed");
        Assert.That(first.Tasks.Select(t => t.Run).Distinct(), Is.EquivalentTo(new[] { new RunKey("wf_0", "run_0"), new RunKey("wf_1", "run_1") }));

        for (var i = 0; i < 10; i++)
        {
            H.Airflow.SetRunState($"wf_{i % 5}", $"run_{i}", i % 2 == 0 ? "success" : "failed");
        }

        H.Airflow.ResetCounts();
        var second = await _engine.PollOnceAsync();

        Assert.That(second.Runs.Select(c => c.Key.DagRunId), Is.EquivalentTo(Enumerable.Range(0, 10).Select(i => $"run_{i}")));
        Assert.That(second.Runs.Select(c => c.NewState).Distinct(), Is.EquivalentTo(new[] { "success", "failed" }));
        Assert.That(H.Airflow.Count("POST", "/dags/~/dagRuns/list"), Is.EqualTo(3 + 1));
    }

    [Test]
    public async Task An_outage_while_runs_are_active_loses_and_repeats_nothing()
    {
        H.Airflow.AddDag("wf_1");
        for (var i = 0; i < 20; i++)
        {
            H.Airflow.AddRun("wf_1", $"r{i}", "running", "manual");
            _store.Add("wf_1", $"r{i}", "running");
        }

        await _engine.PollOnceAsync();
        H.Airflow.Down = true;
        H.Airflow.SetRunState("wf_1", "r1", "success");
        H.Airflow.SetRunState("wf_1", "r2", "failed");
        H.Airflow.AddRun("wf_1", "scheduled__during_outage", "running");

        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(2); elapsed += TimeSpan.FromSeconds(30))
        {
            // Awaited, not Assert.ThrowsAsync: that blocks a pool thread, and the driver waits for the pool to be idle.
            await ThrowsDuring<AirflowUnavailableException>(_engine.PollOnceAsync());
            H.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.That(_store.Notified, Is.Empty, "nothing reported while Airflow is unreachable");
        Assert.That(_store.StateOf("wf_1", "r1"), Is.EqualTo("running"));

        H.Airflow.Down = false;
        H.Airflow.SetRunState("wf_1", "r3", "success"); // finished right after the outage
        await H.Drive(_engine.PollOnceAsync());
        await H.Drive(_engine.PollOnceAsync());

        Assert.That(_store.Notified.Select(c => $"{c.Key.DagRunId}:{c.Kind}:{c.NewState}"), Is.EquivalentTo(new[]
        {
            "r1:StateChanged:success", "r2:StateChanged:failed", "r3:StateChanged:success", "scheduled__during_outage:Discovered:running",
        }), "each change exactly once");
        Assert.That(_store.StateOf("wf_1", "r2"), Is.EqualTo("failed"));
    }

    [Test]
    public async Task The_tracker_carries_on_by_itself_after_Airflow_restarts_with_another_signing_key()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1", "running", "manual");
        _store.Add("wf_1", "r1", "running");
        using var tracker = new RunTracker(_engine, new SoleLease(), Options.Create(new RunTrackingOptions()), H.Time, NullLogger<RunTracker>.Instance);
        var firstCycle = WaitForCycleAsync(tracker);
        await tracker.StartAsync(CancellationToken.None);
        await H.Drive(firstCycle, TimeSpan.FromSeconds(1));

        // 3.x now answers 403 "Invalid JWT token" to the token the tracker holds (2.10 has no tokens: nothing changes).
        var changed = _store.Changed.Task;
        H.Airflow.RestartWithNewSigningKey();
        H.Airflow.SetRunState("wf_1", "r1", "success");
        await H.Drive(changed, TimeSpan.FromSeconds(1));
        await tracker.StopAsync(CancellationToken.None);

        Assert.That(_store.StateOf("wf_1", "r1"), Is.EqualTo("success"), "the change arrived without restarting anything");
        Assert.That(tracker.LastFailure, Is.Null, "no cycle failed: the token was renewed inside the request");
    }

    private static Task WaitForCycleAsync(RunTracker tracker)
    {
        var cycle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tracker.CycleCompleted += (_, _) => cycle.TrySetResult();
        return cycle.Task;
    }

    [Test]
    public async Task A_run_deleted_in_Airflow_is_reported_once_as_deleted()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1", "running", "manual");
        H.Airflow.AddRun("wf_1", "r2", "running", "manual");
        _store.Add("wf_1", "r1", "running");
        _store.Add("wf_1", "r2", "running");

        H.Airflow.DeleteRun("wf_1", "r1");
        var result = await _engine.PollOnceAsync();
        var again = await _engine.PollOnceAsync();

        Assert.That(result.Runs.Select(c => (c.Key.DagRunId, c.Kind, c.NewState)), Is.EqualTo(new[] { ("r1", RunChangeKind.Deleted, TrackedRunStates.Deleted) }));
        Assert.That(_store.StateOf("wf_1", "r1"), Is.EqualTo(TrackedRunStates.Deleted));
        Assert.That(again.Runs, Is.Empty);
    }

    [Test]
    public async Task Runs_started_by_the_scheduler_or_the_Airflow_UI_appear()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddDag("not_ours");
        _store.TrackedDags.Add("wf_1");
        H.Airflow.AddRun("wf_1", "scheduled__2026-11-25T09:00:00+00:00", "running");
        H.Airflow.AddRun("wf_1", "manual__from_the_ui", "success", "manual");
        H.Airflow.AddRun("not_ours", "scheduled__x", "running");

        var result = await _engine.PollOnceAsync();

        Assert.That(result.Runs.Select(c => (c.Key.DagRunId, c.Kind, c.NewState, c.Run!.RunType)), Is.EquivalentTo(new[]
        {
            ("scheduled__2026-11-25T09:00:00+00:00", RunChangeKind.Discovered, "running", "scheduled"),
            ("manual__from_the_ui", RunChangeKind.Discovered, "success", "manual"),
        }), "DAGs WorkflowControl does not track are ignored");
    }

    [Test]
    public async Task Only_watched_runs_have_their_task_instances_fetched()
    {
        H.Airflow.AddDag("wf_1", false, "extract", "load");
        H.Airflow.AddRun("wf_1", "watched", "running", "manual");
        H.Airflow.AddRun("wf_1", "unwatched", "running", "manual");
        _store.Add("wf_1", "watched", "running");
        _store.Add("wf_1", "unwatched", "running");
        using var watcher = _watch.Watch(new RunKey("wf_1", "watched"));

        await _engine.PollOnceAsync();
        H.Airflow.SetTaskState("wf_1", "watched", "extract", "running");
        H.Airflow.SetTaskState("wf_1", "unwatched", "extract", "running");
        var result = await _engine.PollOnceAsync();

        Assert.That(result.Tasks.Select(t => (t.Run.DagRunId, t.Task.TaskId, t.Task.State, t.OldState)),
            Is.EqualTo(new[] { ("watched", "extract", (string?)"running", (string?)null) }));
        var bodies = H.Airflow.Exchanges.Where(e => e.Path.EndsWith("/taskInstances/list", StringComparison.Ordinal)).Select(e => e.RequestBody!).ToList();
        Assert.That(bodies, Has.All.Contains("\"watched\"").And.All.Not.Contains("unwatched"));
    }

    [Test]
    public async Task A_pending_trigger_survives_a_two_minute_outage_and_creates_one_run()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetDagAsync("wf_1");
        _store.Add("wf_1", "wfc_pending_1", TrackedRunStates.Pending, new JsonObject { ["region"] = "eu" });
        H.Airflow.Down = true;
        var outageStart = H.Time.GetUtcNow();
        using var tracker = new RunTracker(_engine, new SoleLease(), Options.Create(new RunTrackingOptions()), H.Time, NullLogger<RunTracker>.Instance);
        await tracker.StartAsync(CancellationToken.None);

        while (H.Time.GetUtcNow() - outageStart < TimeSpan.FromMinutes(2))
        {
            await H.Drive(Task.Delay(TimeSpan.FromSeconds(5), H.Time), TimeSpan.FromSeconds(1));
        }

        Assert.That(tracker.Cycles, Is.GreaterThan(3), "the tracker kept trying during the outage");
        Assert.That(_store.StateOf("wf_1", "wfc_pending_1"), Is.EqualTo(TrackedRunStates.Pending));
        H.Airflow.Down = false;
        await H.Drive(_store.Changed.Task, TimeSpan.FromSeconds(1));
        await tracker.StopAsync(CancellationToken.None);

        Assert.That(H.Airflow.Runs.Select(r => r.DagRunId), Is.EqualTo(new[] { "wfc_pending_1" }), "exactly one run");
        Assert.That(H.Airflow.Runs[0].Conf["region"]!.GetValue<string>(), Is.EqualTo("eu"));
        Assert.That(_store.Notified.Count(c => c.Kind == RunChangeKind.Triggered), Is.EqualTo(1));
        Assert.That(_store.StateOf("wf_1", "wfc_pending_1"), Is.EqualTo("queued"));
    }

    [Test]
    public async Task A_tracker_standing_by_asks_Airflow_nothing_and_polls_within_one_interval_of_getting_the_lease()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "run_1", "success", "manual");
        _store.Add("wf_1", "run_1", "running");
        await H.Client.GetServerInfoAsync();
        H.Airflow.ResetCounts();
        var options = new RunTrackingOptions();
        var lease = new SwitchedLease();
        using var tracker = new RunTracker(_engine, lease, Options.Create(options), H.Time, NullLogger<RunTracker>.Instance);
        var standbys = 0;
        tracker.StoodBy += (_, _) => Interlocked.Increment(ref standbys);
        await tracker.StartAsync(CancellationToken.None);

        await H.Drive(Task.Delay(options.PollInterval * 5, H.Time), TimeSpan.FromMilliseconds(500));
        var requestsWhileStandingBy = H.Airflow.AllRequests.Count;
        var stoodBy = tracker.StandingBy;
        lease.Held = true;
        var tookOver = await H.Drive(_store.Changed.Task, TimeSpan.FromMilliseconds(500));
        await tracker.StopAsync(CancellationToken.None);

        Assert.That(requestsWhileStandingBy, Is.Zero, "another process polls: this one leaves Airflow alone");
        Assert.That(stoodBy, Is.True);
        Assert.That(standbys, Is.GreaterThanOrEqualTo(5), "it asked for the lease every interval");
        Assert.That(tookOver, Is.LessThanOrEqualTo(options.PollInterval), "within one poll interval of the lease being free");
        Assert.That(_store.StateOf("wf_1", "run_1"), Is.EqualTo("success"), "what happened meanwhile is caught up from the store");
        Assert.That(tracker.StandingBy, Is.False);
    }

    [Test]
    public async Task A_trigger_Airflow_refuses_for_good_fails_the_run_with_a_reason()
    {
        H.Airflow.AddDag("wf_1").HasImportErrors = true;
        _store.Add("wf_1", "wfc_1", TrackedRunStates.Pending);

        var result = await _engine.PollOnceAsync();

        Assert.That(result.Runs.Single().Kind, Is.EqualTo(RunChangeKind.TriggerFailed));
        Assert.That(result.Runs.Single().Error, Does.Contain("cannot load the DAG wf_1"));
        Assert.That(_store.StateOf("wf_1", "wfc_1"), Is.EqualTo("failed"));
    }

    [Test]
    public void The_tracker_registration_resolves_with_host_implementations()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Airflow:BaseUrl"] = H.Airflow.Url, ["Airflow:Username"] = "u", ["Airflow:Password"] = "p",
        }).Build();
        services.AddAirflowClient(configuration).AddAirflowRunTracking(configuration);
        services.AddSingleton<IRunStore>(_store).AddSingleton<IRunNotifier>(_store);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        Assert.That(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<RunTracker>().Count(), Is.EqualTo(1));
        Assert.That(provider.GetRequiredService<IRunTrackerSignal>(), Is.SameAs(provider.GetRequiredService<RunTracker>()));
    }

    /// <summary>A lease the test hands over: held elsewhere until <see cref="Held"/> is set.</summary>
    private sealed class SwitchedLease : IPollingLease
    {
        public volatile bool Held;

        public Task<bool> HoldAsync(CancellationToken ct) => Task.FromResult(Held);
    }
}
