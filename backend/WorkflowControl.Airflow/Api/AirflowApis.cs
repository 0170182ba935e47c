using System.Text.Json;
using Refit;
using WorkflowControl.Airflow.Http;

// Refit interfaces, one per Airflow resource. Paths are relative to the generation's prefix: the same interface
// serves /api/v1 (2.x, v1-2.10.yaml) and /api/v2 (3.x, v2-3.2.yaml) where both documents agree; the few
// operations that differ are separate methods named after their generation.
namespace WorkflowControl.Airflow.Api;

[Headers("Accept: application/json")]
internal interface IMonitorApi
{
    [Get("/version")]
    Task<IApiResponse<VersionDto>> GetVersionAsync(CancellationToken ct = default);

    [Get("/health")]
    Task<IApiResponse<JsonElement>> GetHealthV1Async(CancellationToken ct = default);

    [Get("/monitor/health")]
    Task<IApiResponse<JsonElement>> GetHealthV2Async(CancellationToken ct = default);
}

[Headers("Accept: application/json")]
internal interface IDagsApi
{
    [Get("/dags/{dagId}")]
    Task<IApiResponse<DagDto>> GetAsync(string dagId, CancellationToken ct = default);

    /// <summary>Only is_paused may change; setting it is idempotent. 2.x takes update_mask as a string, 3.x as a one-item array.</summary>
    [Patch("/dags/{dagId}")]
    Task<IApiResponse<DagDto>> SetPausedAsync(
        string dagId, [Body] PauseBody body, [Query, AliasAs("update_mask")] string updateMask = "is_paused",
        [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);

    /// <summary>2.x answers 204 with a JSON content type, 3.x 204 although its document says 200.</summary>
    [Delete("/dags/{dagId}")]
    Task<IApiResponse> DeleteAsync(string dagId, CancellationToken ct = default);
}

[Headers("Accept: application/json")]
internal interface IDagRunsApi
{
    /// <summary>Idempotent because the caller always supplies dag_run_id: a repeat meets 409.</summary>
    [Post("/dags/{dagId}/dagRuns")]
    Task<IApiResponse<DagRunDto>> TriggerV1Async(
        string dagId, [Body] V1TriggerBody body, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);

    [Post("/dags/{dagId}/dagRuns")]
    Task<IApiResponse<DagRunDto>> TriggerV2Async(
        string dagId, [Body] V2TriggerBody body, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);

    [Get("/dags/{dagId}/dagRuns/{dagRunId}")]
    Task<IApiResponse<DagRunDto>> GetAsync(string dagId, string dagRunId, CancellationToken ct = default);

    [Get("/dags/{dagId}/dagRuns")]
    Task<IApiResponse<DagRunCollectionDto>> ListAsync(
        string dagId, [Query] int limit, [Query] int offset, [Query, AliasAs("order_by")] string orderBy, CancellationToken ct = default);

    /// <summary>A read despite POST (the filter would not fit a URL), so safe to repeat.</summary>
    [Post("/dags/~/dagRuns/list")]
    Task<IApiResponse<DagRunCollectionDto>> ListBatchAsync(
        [Body] DagRunsBatchBody body, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);

    /// <summary>Setting a state is idempotent.</summary>
    [Patch("/dags/{dagId}/dagRuns/{dagRunId}")]
    Task<IApiResponse<DagRunDto>> SetStateAsync(
        string dagId, string dagRunId, [Body] RunStateBody body, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);
}

[Headers("Accept: application/json")]
internal interface ITaskInstancesApi
{
    [Get("/dags/{dagId}/dagRuns/{dagRunId}/taskInstances")]
    Task<IApiResponse<TaskInstanceCollectionDto>> ListAsync(
        string dagId, string dagRunId, [Query] int limit, [Query] int offset, CancellationToken ct = default);

    [Post("/dags/~/dagRuns/~/taskInstances/list")]
    Task<IApiResponse<TaskInstanceCollectionDto>> ListBatchAsync(
        [Body] TaskInstancesBatchBody body, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);

    /// <summary>Not idempotent (each clear starts another try), so never retried.</summary>
    [Post("/dags/{dagId}/clearTaskInstances")]
    Task<IApiResponse<ClearResultDto>> ClearAsync(string dagId, [Body] ClearTaskInstancesBody body, CancellationToken ct = default);
}

[Headers("Accept: application/json")]
internal interface ILogsApi
{
    [Get("/dags/{dagId}/dagRuns/{dagRunId}/taskInstances/{taskId}/logs/{tryNumber}")]
    Task<IApiResponse<LogDto>> GetAsync(
        string dagId, string dagRunId, string taskId, int tryNumber, [Query] string? token, CancellationToken ct = default);
}

[Headers("Accept: application/json")]
internal interface IImportErrorsApi
{
    [Get("/importErrors")]
    Task<IApiResponse<ImportErrorCollectionDto>> ListAsync([Query] int limit, [Query] int offset, CancellationToken ct = default);
}

internal interface IDagParsingApi
{
    /// <summary>201 with an empty body (2.x: text/html); asking twice is harmless.</summary>
    [Put("/parseDagFile/{fileToken}")]
    Task<IApiResponse> ReparseAsync(string fileToken, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);
}

/// <summary>Airflow 3.x auth manager (SimpleAuthManager or FAB), mounted at the server root, not under /api/v2.</summary>
[Headers("Accept: application/json")]
internal interface IAirflowAuthApi
{
    [Post("/auth/token")]
    Task<IApiResponse<TokenResponse>> CreateTokenAsync(
        [Body] TokenRequest body, [Property(AirflowResilience.Idempotent)] bool idempotent = true, CancellationToken ct = default);
}
