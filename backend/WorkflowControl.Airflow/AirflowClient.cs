using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;
using WorkflowControl.Airflow.Api;
using WorkflowControl.Airflow.Http;

namespace WorkflowControl.Airflow;

/// <summary>
/// <see cref="IAirflowClient"/> for both generations: detects the generation once (GET /api/v1/version, then
/// /api/v2/version; 3.x answers 404 on /api/v1) unless Airflow:ApiVersion sets it, then speaks that dialect.
/// </summary>
internal sealed partial class AirflowClient : IAirflowClient, IDisposable
{
    public const string HttpClientName = "WorkflowControl.Airflow";
    private const int PageSize = 100;

    private readonly IHttpClientFactory _httpFactory;
    private readonly AirflowOptions _options;
    private readonly ILogger<AirflowClient> _logger;
    private readonly SemaphoreSlim _detectGate = new(1, 1);
    private readonly Apis _v1;
    private readonly Apis _v2;
    private AirflowServerInfo? _server;

    public AirflowClient(IHttpClientFactory httpFactory, IOptions<AirflowOptions> options, ILogger<AirflowClient> logger)
    {
        _httpFactory = httpFactory;
        _options = options.Value;
        _logger = logger;
        _v1 = new Apis(AirflowGeneration.V1, Http("/api/v1"));
        _v2 = new Apis(AirflowGeneration.V2, Http("/api/v2"));
    }

    public async Task<AirflowServerInfo> GetServerInfoAsync(CancellationToken ct = default)
    {
        if (_server is { } known)
        {
            return known;
        }

        await _detectGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _server ??= await DetectAsync(ct).ConfigureAwait(false);
            return _server;
        }
        finally
        {
            _detectGate.Release();
        }
    }

    public async Task<AirflowHealth> GetHealthAsync(CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Generation == AirflowGeneration.V1
            ? apis.Monitor.GetHealthV1Async(ct)
            : apis.Monitor.GetHealthV2Async(ct), ct).ConfigureAwait(false);
        var body = AirflowErrors.Content(response, "Airflow's health endpoint");
        var components = new Dictionary<string, string?>();
        if (body.ValueKind == JsonValueKind.Object)
        {
            foreach (var component in body.EnumerateObject())
            {
                components[component.Name] = component.Value.ValueKind == JsonValueKind.Object
                    && component.Value.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                    ? status.GetString()
                    : null;
            }
        }

        return new AirflowHealth(components);
    }

    public async Task<AirflowDag?> GetDagAsync(string dagId, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Dags.GetAsync(dagId, ct), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return AirflowErrors.Content(response, "The DAG " + dagId).ToDomain();
    }

    public async Task<IReadOnlyList<AirflowImportError>> ListImportErrorsAsync(CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var errors = new List<AirflowImportError>();
        for (var offset = 0; ; offset += PageSize)
        {
            var page = AirflowErrors.Content(
                await Send(() => apis.ImportErrors.ListAsync(PageSize, offset, ct), ct).ConfigureAwait(false), "The import error list");
            errors.AddRange(page.ImportErrors.Select(e => e.ToDomain()));
            if (page.ImportErrors.Count == 0 || errors.Count >= page.TotalEntries)
            {
                return errors;
            }
        }
    }

    public async Task<bool> RequestReparseAsync(string fileToken, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Parsing.ReparseAsync(fileToken, ct: ct), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        AirflowErrors.EnsureSuccess(response, "The DAG file");
        return true;
    }

    public async Task<AirflowDag> SetPausedAsync(string dagId, bool paused, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Dags.SetPausedAsync(dagId, new PauseBody(paused), ct: ct), ct).ConfigureAwait(false);
        return AirflowErrors.Content(response, "The DAG " + dagId).ToDomain();
    }

    public async Task DeleteDagAsync(string dagId, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Dags.DeleteAsync(dagId, ct), ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            AirflowErrors.EnsureSuccess(response, "The DAG " + dagId);
        }
    }

    public async Task<AirflowDagRun> TriggerDagRunAsync(string dagId, string dagRunId, JsonObject? conf, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dagRunId);
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Generation == AirflowGeneration.V1
            ? apis.DagRuns.TriggerV1Async(dagId, new V1TriggerBody(dagRunId, conf), ct: ct)
            : apis.DagRuns.TriggerV2Async(dagId, new V2TriggerBody(dagRunId, null, conf), ct: ct), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // Usually our own earlier attempt whose answer was lost: the run exists, so this trigger is done.
            LogTriggerConflict(dagId, dagRunId);
            return await GetDagRunAsync(dagId, dagRunId, ct).ConfigureAwait(false)
                ?? throw new AirflowConflictException("Another run of " + dagId + " already has the same logical date.", AirflowErrors.Message(AirflowErrors.ErrorContent(response)));
        }

        return AirflowErrors.Content(response, "The DAG " + dagId, dagId).ToDomain();
    }

    public async Task<AirflowDagRun?> GetDagRunAsync(string dagId, string dagRunId, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.DagRuns.GetAsync(dagId, dagRunId, ct), ct).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NotFound
            ? null
            : AirflowErrors.Content(response, "The run " + dagRunId).ToDomain();
    }

    public async Task<AirflowPage<AirflowDagRun>> ListDagRunsAsync(string dagId, AirflowPaging paging, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(paging);
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var newestFirst = apis.Generation == AirflowGeneration.V1 ? "-execution_date" : "-run_after";
        var response = await Send(() => apis.DagRuns.ListAsync(dagId, paging.Limit, paging.Offset, newestFirst, ct), ct).ConfigureAwait(false);
        return AirflowErrors.Content(response, "The DAG " + dagId).ToDomain();
    }

    public async Task<AirflowPage<AirflowDagRun>> ListDagRunsBatchAsync(DagRunQuery query, AirflowPaging paging, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(paging);
        if (query.DagIds.Count == 0)
        {
            return new AirflowPage<AirflowDagRun>([], 0);
        }

        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var body = new DagRunsBatchBody(query.DagIds, query.States, query.EndDateGte, paging.Offset, paging.Limit);
        var response = await Send(() => apis.DagRuns.ListBatchAsync(body, ct: ct), ct).ConfigureAwait(false);
        return AirflowErrors.Content(response, "The run list").ToDomain();
    }

    public async Task<IReadOnlyList<AirflowTaskInstance>> ListTaskInstancesAsync(string dagId, string dagRunId, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var all = new List<AirflowTaskInstance>();
        for (var offset = 0; ; offset += PageSize)
        {
            var page = AirflowErrors.Content(
                await Send(() => apis.TaskInstances.ListAsync(dagId, dagRunId, PageSize, offset, ct), ct).ConfigureAwait(false),
                "The run " + dagRunId);
            all.AddRange(page.TaskInstances.Select(t => t.ToDomain()));
            if (page.TaskInstances.Count == 0 || all.Count >= page.TotalEntries)
            {
                return all;
            }
        }
    }

    public async Task<IReadOnlyList<AirflowTaskInstance>> ListTaskInstancesBatchAsync(IReadOnlyCollection<RunKey> runs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var all = new List<AirflowTaskInstance>();
        // Filters are ORs within a field and ANDs across fields, so a chunk may return a same-named run of
        // another DAG: keep only the exact pairs asked for.
        foreach (var chunk in runs.Distinct().Chunk(PageSize))
        {
            var wanted = chunk.ToHashSet();
            var dagIds = chunk.Select(r => r.DagId).Distinct().ToArray();
            var runIds = chunk.Select(r => r.DagRunId).Distinct().ToArray();
            for (var offset = 0; ; offset += PageSize)
            {
                // 2.x has no paging here and answers every match; 3.x pages.
                var body = apis.Generation == AirflowGeneration.V1
                    ? new TaskInstancesBatchBody(dagIds, runIds)
                    : new TaskInstancesBatchBody(dagIds, runIds, offset, PageSize);
                var page = AirflowErrors.Content(
                    await Send(() => apis.TaskInstances.ListBatchAsync(body, ct: ct), ct).ConfigureAwait(false), "The task instance list");
                all.AddRange(page.TaskInstances.Select(t => t.ToDomain()).Where(t => wanted.Contains(new RunKey(t.DagId, t.DagRunId))));
                if (apis.Generation == AirflowGeneration.V1 || page.TaskInstances.Count == 0 || offset + page.TaskInstances.Count >= page.TotalEntries)
                {
                    break;
                }
            }
        }

        return all;
    }

    public async Task<AirflowLogChunk> GetTaskLogAsync(
        string dagId, string dagRunId, string taskId, int tryNumber, string? continuationToken, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.Logs.GetAsync(dagId, dagRunId, taskId, tryNumber, continuationToken, ct), ct).ConfigureAwait(false);
        var body = AirflowErrors.Content(response, $"The log of try {tryNumber} of task {taskId}");
        if (apis.Generation == AirflowGeneration.V1)
        {
            var raw = body.Content.ValueKind == JsonValueKind.String ? body.Content.GetString() ?? "" : "";
            return new AirflowLogChunk(AirflowLogText.FromV1(raw), body.ContinuationToken, AirflowLogText.V1EndOfLog(body.ContinuationToken));
        }

        return new AirflowLogChunk(AirflowLogText.FromV2(body.Content), body.ContinuationToken, body.ContinuationToken is null);
    }

    public async Task<AirflowDagRun> MarkDagRunFailedAsync(string dagId, string dagRunId, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        var response = await Send(() => apis.DagRuns.SetStateAsync(dagId, dagRunId, new RunStateBody(AirflowRunStates.Failed), ct: ct), ct)
            .ConfigureAwait(false);
        return AirflowErrors.Content(response, "The run " + dagRunId).ToDomain();
    }

    public async Task<IReadOnlyList<string>> ClearTaskAsync(
        string dagId, string dagRunId, string taskId, bool includeDownstream = false, CancellationToken ct = default)
    {
        var apis = await ApisAsync(ct).ConfigureAwait(false);
        // dry_run defaults to true in both generations: without false nothing happens. only_failed defaults to true,
        // which would skip the named task when it succeeded and clear only failed downstream tasks: the wrong ones.
        var body = new ClearTaskInstancesBody(
            DryRun: false, TaskIds: [taskId], DagRunId: dagRunId, OnlyFailed: false, IncludeDownstream: includeDownstream, ResetDagRuns: true);
        var response = await Send(() => apis.TaskInstances.ClearAsync(dagId, body, ct), ct).ConfigureAwait(false);
        return [.. AirflowErrors.Content(response, "The task " + taskId).TaskInstances.Select(t => t.TaskId)];
    }

    public void Dispose() => _detectGate.Dispose();

    private async Task<AirflowServerInfo> DetectAsync(CancellationToken ct)
    {
        // /api/v1 first: a 2.10 server (which has no /api/v2) then logs no 404 on every start; 3.x answers 404 on /api/v1.
        if (_options.ApiVersion != AirflowApiVersion.V2)
        {
            var v1 = await Send(() => _v1.Monitor.GetVersionAsync(ct), ct).ConfigureAwait(false);
            if (v1.IsSuccessful || _options.ApiVersion == AirflowApiVersion.V1)
            {
                return Detected(AirflowErrors.Content(v1, "Airflow's /api/v1/version"), AirflowGeneration.V1);
            }

            if (v1.StatusCode != HttpStatusCode.NotFound)
            {
                AirflowErrors.EnsureSuccess(v1, "Airflow's /api/v1/version");
            }
        }

        var v2 = await Send(() => _v2.Monitor.GetVersionAsync(ct), ct).ConfigureAwait(false);
        return Detected(AirflowErrors.Content(v2, "Airflow's /api/v2/version"), AirflowGeneration.V2);
    }

    private AirflowServerInfo Detected(VersionDto version, AirflowGeneration generation)
    {
        LogDetected(version.Version, generation);
        return new AirflowServerInfo(version.Version, generation);
    }

    private async Task<Apis> ApisAsync(CancellationToken ct)
    {
        var generation = _options.ApiVersion switch
        {
            AirflowApiVersion.V1 => AirflowGeneration.V1,
            AirflowApiVersion.V2 => AirflowGeneration.V2,
            _ => (await GetServerInfoAsync(ct).ConfigureAwait(false)).Generation,
        };
        return generation == AirflowGeneration.V1 ? _v1 : _v2;
    }

    private static Task<T> Send<T>(Func<Task<T>> call, CancellationToken ct)
        where T : IApiResponse => AirflowErrors.Send(call, ct);

    private HttpClient Http(string prefix)
    {
        var http = _httpFactory.CreateClient(HttpClientName);
        http.BaseAddress = new Uri(_options.BaseUrl.TrimEnd('/') + prefix);
        return http;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Airflow {Version} detected, using REST API {Generation}")]
    private partial void LogDetected(string version, AirflowGeneration generation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {DagId}/{DagRunId} already existed in Airflow; the trigger resolves to it")]
    private partial void LogTriggerConflict(string dagId, string dagRunId);

    private sealed class Apis(AirflowGeneration generation, HttpClient http)
    {
        public AirflowGeneration Generation { get; } = generation;
        public IMonitorApi Monitor { get; } = RestService.For<IMonitorApi>(http, AirflowJson.RefitSettings);
        public IDagsApi Dags { get; } = RestService.For<IDagsApi>(http, AirflowJson.RefitSettings);
        public IDagRunsApi DagRuns { get; } = RestService.For<IDagRunsApi>(http, AirflowJson.RefitSettings);
        public ITaskInstancesApi TaskInstances { get; } = RestService.For<ITaskInstancesApi>(http, AirflowJson.RefitSettings);
        public ILogsApi Logs { get; } = RestService.For<ILogsApi>(http, AirflowJson.RefitSettings);
        public IImportErrorsApi ImportErrors { get; } = RestService.For<IImportErrorsApi>(http, AirflowJson.RefitSettings);
        public IDagParsingApi Parsing { get; } = RestService.For<IDagParsingApi>(http, AirflowJson.RefitSettings);
    }
}
