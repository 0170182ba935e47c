using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Airflow.Tracking;

/// <summary>
/// One poll cycle over every active run with batched requests: the active runs of all tracked DAGs, the runs
/// that finished since the last good cycle, task instances of watched runs only, and a single GET for a run
/// that vanished from both lists. Requests grow with pages of runs, not with runs. Changes are computed
/// against the store, saved, notified, then marked published; a cycle first sends what an earlier one saved
/// but did not mark (this process's push failed, or another poller died in between), so no change is lost.
/// A failed cycle changes nothing the store knows, so the next one catches up. Not for concurrent use:
/// <see cref="RunTracker"/> is its one caller (ask it for an early cycle with <see cref="IRunTrackerSignal.PollSoon"/>).
/// </summary>
public sealed partial class RunTrackingEngine(
    IAirflowClient airflow,
    IRunStore store,
    IRunNotifier notifier,
    IRunWatchList watchList,
    IOptions<RunTrackingOptions> options,
    TimeProvider time,
    ILogger<RunTrackingEngine> logger,
    AirflowTelemetry? telemetry = null)
{
    private readonly RunTrackingOptions _options = options.Value;
    private readonly Dictionary<RunKey, Dictionary<(string TaskId, int MapIndex), (string? State, int Try)>> _taskSnapshots = [];
    private DateTimeOffset? _finishedSince;

    /// <summary>
    /// Forgets what earlier cycles saw (task snapshots, the finished-runs window): after this process stood by while
    /// another one polled, its memory is stale, and the store is the truth again. Repeats a state rather than miss one.
    /// </summary>
    public void Forget()
    {
        _taskSnapshots.Clear();
        _finishedSince = null;
    }

    public async Task<RunPollResult> PollOnceAsync(CancellationToken ct = default)
    {
        var cycleStart = time.GetUtcNow();
        var requests = 0;
        var changes = new List<RunChange>();
        await PublishLeftOverAsync(ct).ConfigureAwait(false);

        var active = (await store.GetActiveRunsAsync(ct).ConfigureAwait(false)).ToDictionary(r => r.Key);
        var stateOf = active.ToDictionary(r => r.Key, r => r.Value.State);

        foreach (var pending in active.Values.Where(r => r.State == TrackedRunStates.Pending))
        {
            requests++;
            var change = await TriggerAsync(pending, ct).ConfigureAwait(false);
            changes.Add(change);
            stateOf[pending.Key] = change.NewState;
        }

        var dagIds = (await store.GetTrackedDagIdsAsync(ct).ConfigureAwait(false))
            .Concat(active.Keys.Select(k => k.DagId)).Distinct().ToArray();
        var seen = new Dictionary<RunKey, AirflowDagRun>();
        if (dagIds.Length > 0)
        {
            requests += await ListAsync(new DagRunQuery(dagIds) { States = AirflowRunStates.Active }, seen, ct).ConfigureAwait(false);
            var finishedSince = _finishedSince ?? cycleStart - _options.StartupLookback;
            requests += await ListAsync(
                new DagRunQuery(dagIds) { States = AirflowRunStates.Finished, EndDateGte = finishedSince }, seen, ct).ConfigureAwait(false);
        }

        var unknown = seen.Keys.Where(k => !stateOf.ContainsKey(k)).ToArray();
        var known = unknown.Length == 0
            ? new Dictionary<RunKey, string>()
            : await store.GetKnownStatesAsync(unknown, ct).ConfigureAwait(false);
        foreach (var (key, run) in seen)
        {
            var old = stateOf.TryGetValue(key, out var s) ? s : known.GetValueOrDefault(key);
            if (old is null)
            {
                changes.Add(new RunChange(key, RunChangeKind.Discovered, null, run.State, run));
            }
            else if (old != run.State)
            {
                changes.Add(new RunChange(key, RunChangeKind.StateChanged, old, run.State, run));
            }
        }

        // Missing from both lists: finished before the window, shifted between pages, or deleted. Rare, so one GET each.
        foreach (var key in active.Keys.Where(k => !seen.ContainsKey(k) && !AirflowRunStates.IsFinished(stateOf[k])
                     && stateOf[k] != TrackedRunStates.Pending))
        {
            requests++;
            var run = await airflow.GetDagRunAsync(key.DagId, key.DagRunId, ct).ConfigureAwait(false);
            if (run is null)
            {
                changes.Add(new RunChange(key, RunChangeKind.Deleted, stateOf[key], TrackedRunStates.Deleted, null));
            }
            else
            {
                seen[key] = run;
                if (run.State != stateOf[key])
                {
                    changes.Add(new RunChange(key, RunChangeKind.StateChanged, stateOf[key], run.State, run));
                }
            }
        }

        // A cancel that raced a trigger (it found the run pending, the trigger then created it in Airflow): Airflow is told
        // now, unless the run has finished there meanwhile (history stays as it is).
        foreach (var key in active.Values.Where(r => r.Cancelled && seen.TryGetValue(r.Key, out var now) && !AirflowRunStates.IsFinished(now.State)).Select(r => r.Key))
        {
            requests++;
            if (await MarkFailedAsync(key, ct).ConfigureAwait(false) is { } run)
            {
                changes.RemoveAll(c => c.Key == key);
                changes.Add(new RunChange(key, RunChangeKind.StateChanged, stateOf[key], run.State, run));
                seen[key] = run;
            }
        }

        var watched = (await watchList.WatchedAsync(ct).ConfigureAwait(false)).ToHashSet();
        var (taskChanges, taskRequests) = await PollTasksAsync(active.Keys, watched, changes, seen, ct).ConfigureAwait(false);
        requests += taskRequests;

        var result = new RunPollResult(changes, taskChanges, requests);
        if (!result.IsEmpty)
        {
            try
            {
                await store.SaveAsync(result, ct).ConfigureAwait(false);
                await notifier.NotifyAsync(result, ct).ConfigureAwait(false);
            }
            catch
            {
                // Task states live only in the snapshots, which already hold this cycle's: forgetting them makes the
                // next cycle send every watched task's state again rather than never.
                _taskSnapshots.Clear();
                throw;
            }

            if (result.Runs.Count > 0)
            {
                await store.MarkPublishedAsync(result.Runs, ct).ConfigureAwait(false);
            }
        }

        _finishedSince = cycleStart - _options.FinishedOverlap;
        telemetry?.SetTrackedRuns(active.Count, watched.Count);
        LogCycle(active.Count, result.Runs.Count, result.Tasks.Count, requests);
        return result;
    }

    /// <summary>Sends the run changes the store holds as saved but not published, oldest first, and marks them published.</summary>
    private async Task PublishLeftOverAsync(CancellationToken ct)
    {
        var left = await store.GetUnpublishedAsync(ct).ConfigureAwait(false);
        if (left.Count == 0)
        {
            return;
        }

        await notifier.NotifyAsync(new RunPollResult(left, [], 0), ct).ConfigureAwait(false);
        await store.MarkPublishedAsync(left, ct).ConfigureAwait(false);
        LogLeftOver(left.Count);
    }

    private async Task<RunChange> TriggerAsync(TrackedRun pending, CancellationToken ct)
    {
        using var activity = AirflowTelemetry.Source.StartActivity("trigger pending run");
        activity?.SetTag(AirflowTelemetry.DagIdAttribute, pending.Key.DagId);
        activity?.SetTag(AirflowTelemetry.RunIdAttribute, pending.Key.DagRunId);
        try
        {
            var run = await airflow.TriggerDagRunAsync(pending.Key.DagId, pending.Key.DagRunId, pending.Conf, ct).ConfigureAwait(false);
            return new RunChange(pending.Key, RunChangeKind.Triggered, TrackedRunStates.Pending, run.State, run);
        }
        catch (AirflowException e) when (e is AirflowNotFoundException or AirflowBadRequestException or AirflowImportErrorException or AirflowConflictException)
        {
            // Airflow will not accept this trigger however often it is repeated.
            var problem = AirflowProblems.ToProblemDetails(e);
            return new RunChange(pending.Key, RunChangeKind.TriggerFailed, TrackedRunStates.Pending, AirflowRunStates.Failed, null, problem.Detail);
        }
    }

    private async Task<AirflowDagRun?> MarkFailedAsync(RunKey key, CancellationToken ct)
    {
        try
        {
            return await airflow.MarkDagRunFailedAsync(key.DagId, key.DagRunId, ct).ConfigureAwait(false);
        }
        catch (AirflowNotFoundException)
        {
            return null; // gone from Airflow: the lookup of runs missing from the lists reports it deleted
        }
    }

    private async Task<int> ListAsync(DagRunQuery query, Dictionary<RunKey, AirflowDagRun> into, CancellationToken ct)
    {
        var requests = 0;
        for (var offset = 0; ; offset += _options.PageSize)
        {
            requests++;
            var page = await airflow.ListDagRunsBatchAsync(query, new AirflowPaging(offset, _options.PageSize), ct).ConfigureAwait(false);
            foreach (var run in page.Items)
            {
                into[new RunKey(run.DagId, run.DagRunId)] = run;
            }

            if (page.Items.Count < _options.PageSize || offset + page.Items.Count >= page.TotalEntries)
            {
                return requests;
            }
        }
    }

    private async Task<(List<TaskChange> Changes, int Requests)> PollTasksAsync(
        IEnumerable<RunKey> active, HashSet<RunKey> watched, List<RunChange> runChanges, Dictionary<RunKey, AirflowDagRun> seen, CancellationToken ct)
    {
        foreach (var gone in _taskSnapshots.Keys.Where(k => !watched.Contains(k)).ToArray())
        {
            _taskSnapshots.Remove(gone);
        }

        // Active runs, plus runs that changed in this cycle (a run that just finished gets its final task states).
        var relevant = active.Concat(runChanges.Where(c => c.Kind != RunChangeKind.Deleted).Select(c => c.Key))
            .Where(watched.Contains).Distinct().ToArray();
        // A watched run that is already finished and unchanged still needs one snapshot for its new watcher.
        relevant = [.. relevant, .. watched.Where(k => !_taskSnapshots.ContainsKey(k) && !relevant.Contains(k) && seen.ContainsKey(k))];
        var changes = new List<TaskChange>();
        if (relevant.Length == 0)
        {
            return (changes, 0);
        }

        var instances = await airflow.ListTaskInstancesBatchAsync(relevant, ct).ConfigureAwait(false);
        foreach (var ti in instances)
        {
            var run = new RunKey(ti.DagId, ti.DagRunId);
            if (!_taskSnapshots.TryGetValue(run, out var snapshot))
            {
                _taskSnapshots[run] = snapshot = [];
            }

            var id = (ti.TaskId, ti.MapIndex);
            var had = snapshot.TryGetValue(id, out var before);
            if (!had || before.State != ti.State || before.Try != ti.TryNumber)
            {
                changes.Add(new TaskChange(run, ti, had ? before.State : null));
                snapshot[id] = (ti.State, ti.TryNumber);
            }
        }

        foreach (var run in relevant)
        {
            _taskSnapshots.TryAdd(run, []);
        }

        return (changes, (int)Math.Ceiling(relevant.Length / 100.0));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Count} run changes an earlier poll had saved but not sent")]
    private partial void LogLeftOver(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run poll: {Active} active runs, {RunChanges} run changes, {TaskChanges} task changes, {Requests} Airflow requests")]
    private partial void LogCycle(int active, int runChanges, int taskChanges, int requests);
}
