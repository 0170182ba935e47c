using System.Text.Json.Nodes;

namespace WorkflowControl.Airflow.Tracking;

/// <summary>WorkflowControl's own run states beside Airflow's (queued, running, success, failed).</summary>
public static class TrackedRunStates
{
    /// <summary>Run id chosen and stored, Airflow has not confirmed the trigger yet (e.g. it was down).</summary>
    public const string Pending = "pending";

    /// <summary>The run disappeared from Airflow (DAG deleted, or run deleted in the Airflow UI).</summary>
    public const string Deleted = "deleted";
}

/// <summary>A run the host still considers active: pending (with the conf to trigger it with), queued or running.</summary>
/// <param name="Cancelled">
/// Cancelled by a user while Airflow was being asked to start it (the cancel found it pending, the trigger then created it):
/// the tracker marks it failed in Airflow, as a cancel of a running run does.
/// </param>
public sealed record TrackedRun(RunKey Key, string State, JsonObject? Conf = null, bool Cancelled = false);

public enum RunChangeKind
{
    /// <summary>A pending run was accepted by Airflow.</summary>
    Triggered,

    /// <summary>A run WorkflowControl did not know: started by Airflow's scheduler, the Airflow UI or another client.</summary>
    Discovered,

    StateChanged,

    /// <summary>The run no longer exists in Airflow.</summary>
    Deleted,

    /// <summary>Airflow refused a pending trigger for good (DAG missing, import error, invalid conf); the run is failed.</summary>
    TriggerFailed,
}

/// <param name="OldState">The state the store had; null for discovered runs.</param>
/// <param name="Run">Airflow's view of the run; null when deleted or refused.</param>
/// <param name="Error">For <see cref="RunChangeKind.TriggerFailed"/>: why, in words a user understands.</param>
public sealed record RunChange(RunKey Key, RunChangeKind Kind, string? OldState, string NewState, AirflowDagRun? Run, string? Error = null);

/// <summary>A task instance of a watched run that is new or changed state or try since the last poll.</summary>
public sealed record TaskChange(RunKey Run, AirflowTaskInstance Task, string? OldState);

/// <summary>What one poll cycle found. <see cref="AirflowRequests"/> counts calls (one HTTP request each, before retries).</summary>
public sealed record RunPollResult(IReadOnlyList<RunChange> Runs, IReadOnlyList<TaskChange> Tasks, int AirflowRequests)
{
    public bool IsEmpty => Runs.Count == 0 && Tasks.Count == 0;
}

/// <summary>Persistence of tracked runs, implemented by the host (PostgreSQL in the API).</summary>
public interface IRunStore
{
    /// <summary>Runs in states pending, queued or running.</summary>
    Task<IReadOnlyList<TrackedRun>> GetActiveRunsAsync(CancellationToken ct);

    /// <summary>DAG ids whose runs WorkflowControl shows (deployed workflows), so runs started elsewhere are discovered.</summary>
    Task<IReadOnlyCollection<string>> GetTrackedDagIdsAsync(CancellationToken ct);

    /// <summary>The stored state of each of these runs that the store knows; unknown runs are absent.</summary>
    Task<IReadOnlyDictionary<RunKey, string>> GetKnownStatesAsync(IReadOnlyCollection<RunKey> runs, CancellationToken ct);

    /// <summary>
    /// Persists a cycle's changes (inserting discovered runs) atomically; called before any notification. A store shared
    /// by several processes also keeps the run changes as unpublished until <see cref="MarkPublishedAsync"/>.
    /// </summary>
    Task SaveAsync(RunPollResult result, CancellationToken ct);

    /// <summary>
    /// Run changes saved but never marked published: the poller died, or the push failed, between the two. Each cycle
    /// pushes them before anything newer, so a change is never lost (and, rarely, sent twice). A store that lives and
    /// dies with its process has nobody to hand them to, and has none.
    /// </summary>
    Task<IReadOnlyList<RunChange>> GetUnpublishedAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<RunChange>>([]);

    /// <summary>These run changes reached the notifier: no later cycle sends them again.</summary>
    Task MarkPublishedAsync(IReadOnlyList<RunChange> changes, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Pushes a cycle's saved changes to subscribers (SignalR in the API).</summary>
public interface IRunNotifier
{
    Task NotifyAsync(RunPollResult result, CancellationToken ct);
}

/// <summary>
/// Which runs someone is looking at: only their task instances are fetched. The API keeps the list in PostgreSQL, so
/// the one instance that polls sees the watchers of every instance.
/// </summary>
public interface IRunWatchList
{
    /// <summary>Records that <paramref name="watcher"/> (e.g. a SignalR connection) looks at <paramref name="run"/>.</summary>
    Task WatchAsync(string watcher, RunKey run, CancellationToken ct = default);

    /// <summary>The watcher left: its runs are no longer watched on its behalf.</summary>
    Task ForgetAsync(string watcher, CancellationToken ct = default);

    /// <summary>Runs with at least one watcher.</summary>
    Task<IReadOnlyCollection<RunKey>> WatchedAsync(CancellationToken ct = default);
}

/// <summary>
/// Whether this process may poll Airflow now. Several API instances share one lease, so Airflow sees one poller
/// per cluster; the others stand by and take over when the holder is gone.
/// </summary>
public interface IPollingLease
{
    /// <summary>True while this process holds the lease; takes it when it is free. Never throws for an unreachable store.</summary>
    Task<bool> HoldAsync(CancellationToken ct);
}

/// <summary>A single process on its own: always the poller (the Airflow client used without a shared database).</summary>
public sealed class SoleLease : IPollingLease
{
    public Task<bool> HoldAsync(CancellationToken ct) => Task.FromResult(true);
}

/// <summary>Asks the tracker to start its next cycle now (after a trigger, or when someone starts watching).</summary>
public interface IRunTrackerSignal
{
    void PollSoon();
}
