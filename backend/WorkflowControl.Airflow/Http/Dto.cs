using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace WorkflowControl.Airflow.Http;

// Wire shapes shared by /api/v1 and /api/v2: only the fields WorkflowControl reads; others are ignored on read.

internal sealed record VersionDto(string Version, string? GitVersion);

internal sealed record DagDto(
    string DagId,
    string? DagDisplayName,
    bool? IsPaused,
    bool? IsActive,
    bool? IsStale,
    bool? HasImportErrors,
    string? FileToken,
    string? Fileloc,
    string? RelativeFileloc,
    DateTimeOffset? LastParsedTime)
{
    public AirflowDag ToDomain() => new(
        DagId,
        DagDisplayName,
        IsPaused ?? false,
        IsActive ?? !(IsStale ?? false),
        HasImportErrors ?? false,
        FileToken ?? "",
        RelativeFileloc ?? Fileloc,
        LastParsedTime);
}

internal sealed record DagRunDto(
    string DagId,
    string DagRunId,
    string? State,
    string? RunType,
    DateTimeOffset? LogicalDate,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    JsonObject? Conf,
    DateTimeOffset? RunAfter)
{
    public AirflowDagRun ToDomain() => new(DagId, DagRunId, State ?? AirflowRunStates.Queued, RunType ?? "manual", LogicalDate, StartDate, EndDate, Conf, RunAfter);
}

internal sealed record DagRunCollectionDto(List<DagRunDto> DagRuns, int TotalEntries)
{
    public AirflowPage<AirflowDagRun> ToDomain() => new([.. DagRuns.Select(r => r.ToDomain())], TotalEntries);
}

internal sealed record TaskInstanceDto(
    string DagId,
    string DagRunId,
    string TaskId,
    int? MapIndex,
    string? State,
    int? TryNumber,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    double? Duration)
{
    public AirflowTaskInstance ToDomain() =>
        new(DagId, DagRunId, TaskId, MapIndex ?? -1, State, TryNumber ?? 0, StartDate, EndDate, Duration);
}

internal sealed record TaskInstanceCollectionDto(List<TaskInstanceDto> TaskInstances, int TotalEntries);

internal sealed record ImportErrorDto(string Filename, string StackTrace, DateTimeOffset Timestamp, string? BundleName)
{
    public AirflowImportError ToDomain() => new(Filename, StackTrace, Timestamp, BundleName);
}

internal sealed record ImportErrorCollectionDto(List<ImportErrorDto> ImportErrors, int TotalEntries);

/// <summary>2.x: content is a string (Python repr of [(host, text)]); 3.x: an array of structured messages or strings.</summary>
internal sealed record LogDto(JsonElement Content, string? ContinuationToken);

internal sealed record TaskInstanceReferenceDto(string TaskId, string? DagRunId);

internal sealed record ClearResultDto(List<TaskInstanceReferenceDto> TaskInstances);

internal sealed record PauseBody(bool IsPaused);

internal sealed record RunStateBody(string State);

internal sealed record DagRunsBatchBody(
    IReadOnlyCollection<string> DagIds,
    IReadOnlyCollection<string>? States,
    DateTimeOffset? EndDateGte,
    int PageOffset,
    int PageLimit);

/// <summary>2.x takes no paging here (it answers every match); 3.x pages.</summary>
internal sealed record TaskInstancesBatchBody(
    IReadOnlyCollection<string> DagIds,
    IReadOnlyCollection<string> DagRunIds,
    int? PageOffset = null,
    int? PageLimit = null);

internal sealed record ClearTaskInstancesBody(
    bool DryRun,
    IReadOnlyList<string> TaskIds,
    string DagRunId,
    bool OnlyFailed,
    bool IncludeDownstream,
    bool ResetDagRuns);

/// <summary>2.x refuses unknown fields, so only documented ones are sent.</summary>
internal sealed record V1TriggerBody(string DagRunId, JsonObject? Conf);

/// <summary>3.x requires the logical_date key (null = "now") and refuses unknown fields.</summary>
internal sealed record V2TriggerBody(
    string DagRunId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? LogicalDate,
    JsonObject? Conf);

internal sealed record TokenRequest(string Username, string Password);

internal sealed record TokenResponse(string AccessToken);
