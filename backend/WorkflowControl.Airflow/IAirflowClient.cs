using System.Text.Json.Nodes;

namespace WorkflowControl.Airflow;

/// <summary>
/// The only door to Airflow for the rest of the backend, the same for Airflow 2.x and 3.x.
/// Failures surface as <see cref="AirflowException"/> subclasses; map them with <see cref="AirflowProblems.ToProblemDetails"/>.
/// </summary>
public interface IAirflowClient
{
    /// <summary>The generation in use, detected on the first call unless configured.</summary>
    Task<AirflowServerInfo> GetServerInfoAsync(CancellationToken ct = default);

    Task<AirflowHealth> GetHealthAsync(CancellationToken ct = default);

    /// <summary>The DAG, or null while Airflow has not parsed its file (or after it was deleted).</summary>
    Task<AirflowDag?> GetDagAsync(string dagId, CancellationToken ct = default);

    /// <summary>All current import errors (every page).</summary>
    Task<IReadOnlyList<AirflowImportError>> ListImportErrorsAsync(CancellationToken ct = default);

    /// <summary>Asks Airflow to parse a known file again soon. False when Airflow does not know the file (404).</summary>
    Task<bool> RequestReparseAsync(string fileToken, CancellationToken ct = default);

    Task<AirflowDag> SetPausedAsync(string dagId, bool paused, CancellationToken ct = default);

    /// <summary>Deletes the DAG's metadata and history; Airflow re-creates it while its file exists.</summary>
    Task DeleteDagAsync(string dagId, CancellationToken ct = default);

    /// <summary>
    /// Triggers a run with a caller-chosen id, stored before the first attempt. Safe to repeat: when the run
    /// already exists (a retry after a lost response) the existing run is returned, so exactly one run results.
    /// </summary>
    Task<AirflowDagRun> TriggerDagRunAsync(string dagId, string dagRunId, JsonObject? conf, CancellationToken ct = default);

    /// <summary>The run, or null when it does not exist (never created, or deleted in Airflow).</summary>
    Task<AirflowDagRun?> GetDagRunAsync(string dagId, string dagRunId, CancellationToken ct = default);

    /// <summary>Runs of one DAG, newest first (including runs started by the scheduler or the Airflow UI).</summary>
    Task<AirflowPage<AirflowDagRun>> ListDagRunsAsync(string dagId, AirflowPaging paging, CancellationToken ct = default);

    /// <summary>One page of runs of many DAGs in one request (POST ~/dagRuns/list).</summary>
    Task<AirflowPage<AirflowDagRun>> ListDagRunsBatchAsync(DagRunQuery query, AirflowPaging paging, CancellationToken ct = default);

    Task<IReadOnlyList<AirflowTaskInstance>> ListTaskInstancesAsync(string dagId, string dagRunId, CancellationToken ct = default);

    /// <summary>Task instances of many runs in one request (POST ~/dagRuns/~/taskInstances/list).</summary>
    Task<IReadOnlyList<AirflowTaskInstance>> ListTaskInstancesBatchAsync(IReadOnlyCollection<RunKey> runs, CancellationToken ct = default);

    /// <summary>Plain text of a task try's log; pass the previous chunk's token to follow a running task.</summary>
    Task<AirflowLogChunk> GetTaskLogAsync(string dagId, string dagRunId, string taskId, int tryNumber, string? continuationToken, CancellationToken ct = default);

    /// <summary>Cancels a run by marking it failed.</summary>
    Task<AirflowDagRun> MarkDagRunFailedAsync(string dagId, string dagRunId, CancellationToken ct = default);

    /// <summary>
    /// Clears the named task whatever its state (only_failed false, dry_run false) so it runs again, and with
    /// <paramref name="includeDownstream"/> every task downstream of it. Returns the cleared task ids.
    /// </summary>
    Task<IReadOnlyList<string>> ClearTaskAsync(string dagId, string dagRunId, string taskId, bool includeDownstream = false, CancellationToken ct = default);
}

/// <summary>Filter of a batched run list. Empty <see cref="DagIds"/> is refused: WorkflowControl lists only its own DAGs.</summary>
public sealed record DagRunQuery(IReadOnlyCollection<string> DagIds)
{
    public IReadOnlyCollection<string>? States { get; init; }

    /// <summary>Only runs that ended at or after this time.</summary>
    public DateTimeOffset? EndDateGte { get; init; }
}
