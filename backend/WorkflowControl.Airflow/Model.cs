using System.Text.Json.Nodes;

namespace WorkflowControl.Airflow;

/// <summary>The Airflow REST generation in use: 2.x serves /api/v1, 3.x serves /api/v2.</summary>
public enum AirflowGeneration
{
    V1 = 1,
    V2 = 2,
}

public sealed record AirflowServerInfo(string Version, AirflowGeneration Generation);

/// <summary>Status of Airflow's components ("healthy", "unhealthy", or null when unknown), keyed by component name.</summary>
public sealed record AirflowHealth(IReadOnlyDictionary<string, string?> Components)
{
    public bool IsHealthy => Components.TryGetValue("metadatabase", out var db) && db == "healthy"
        && Components.TryGetValue("scheduler", out var scheduler) && scheduler == "healthy";
}

/// <summary>A DAG as Airflow knows it after parsing its file.</summary>
/// <param name="FileToken">Opaque token for <see cref="IAirflowClient.RequestReparseAsync"/>; send back verbatim.</param>
/// <param name="FileLocation">Absolute path on 2.x, path relative to the bundle on 3.x.</param>
public sealed record AirflowDag(
    string DagId,
    string? DisplayName,
    bool IsPaused,
    bool IsActive,
    bool HasImportErrors,
    string FileToken,
    string? FileLocation,
    DateTimeOffset? LastParsedTime);

/// <summary>Airflow's DAG run states, and the run types WorkflowControl shows.</summary>
public static class AirflowRunStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Success = "success";
    public const string Failed = "failed";

    public static IReadOnlyList<string> Active { get; } = [Queued, Running];
    public static IReadOnlyList<string> Finished { get; } = [Success, Failed];

    public static bool IsFinished(string? state) => state is Success or Failed;
}

/// <param name="RunAfter">3.x only: when the run was due; Airflow 3 lists runs newest first by it (manual runs there have no logical date).</param>
public sealed record AirflowDagRun(
    string DagId,
    string DagRunId,
    string State,
    string RunType,
    DateTimeOffset? LogicalDate,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    JsonObject? Conf,
    DateTimeOffset? RunAfter = null)
{
    /// <summary>The time Airflow's run list is ordered by, newest first: run_after on 3.x, the logical date on 2.x.</summary>
    public DateTimeOffset? ListedAt => RunAfter ?? LogicalDate;
}

/// <summary>A task instance; <see cref="State"/> is null before the scheduler looked at it.</summary>
public sealed record AirflowTaskInstance(
    string DagId,
    string DagRunId,
    string TaskId,
    int MapIndex,
    string? State,
    int TryNumber,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    double? Duration);

/// <summary>A DAG file that failed to import. <see cref="Filename"/> is absolute on 2.x, bundle-relative on 3.x.</summary>
public sealed record AirflowImportError(string Filename, string StackTrace, DateTimeOffset Timestamp, string? BundleName);

/// <summary>Plain log text of one task try from the position given by the previous chunk's token.</summary>
/// <param name="ContinuationToken">Pass to the next call to get only newer lines; null when Airflow gave none.</param>
/// <param name="EndOfLog">Airflow says the log is complete (the task try has finished writing).</param>
public sealed record AirflowLogChunk(string Content, string? ContinuationToken, bool EndOfLog);

public sealed record AirflowPaging(int Offset = 0, int Limit = 100)
{
    public static AirflowPaging First { get; } = new();
}

public sealed record AirflowPage<T>(IReadOnlyList<T> Items, int TotalEntries);

/// <summary>Identifies one DAG run.</summary>
public readonly record struct RunKey(string DagId, string DagRunId)
{
    public override string ToString() => DagId + "/" + DagRunId;
}
