using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;
using WorkflowControl.Airflow;

namespace WorkflowControl.Testing.Airflow;

public sealed class FakeDag
{
    public required string DagId { get; init; }
    public bool IsPaused { get; set; } = true;
    public bool HasImportErrors { get; set; }
    public string FileToken => Convert.ToBase64String(Encoding.UTF8.GetBytes("\"" + FileLocation + "\"")).TrimEnd('=') + ".signature-redacted";
    public string FileLocation => "/opt/airflow/dags/users/" + DagId + ".py";
    public string[] TaskIds { get; init; } = ["extract", "load"];
}

public sealed class FakeRun
{
    public required string DagId { get; init; }
    public required string DagRunId { get; init; }
    public string State { get; set; } = "queued";
    public string RunType { get; init; } = "manual";
    public required DateTimeOffset LogicalDate { get; init; }
    public DateTimeOffset? StartDate { get; set; }
    public DateTimeOffset? EndDate { get; set; }
    public JsonObject Conf { get; init; } = [];
    public RunKey Key => new(DagId, DagRunId);
}

public sealed class FakeTask
{
    public required string TaskId { get; init; }
    public string? State { get; set; }
    public int TryNumber { get; set; }
    public DateTimeOffset? StartDate { get; set; }
    public DateTimeOffset? EndDate { get; set; }
    public string Log { get; set; } = "";
}

/// <summary>
/// A stub Airflow of either generation on WireMock: an in-memory model answered in that generation's wire
/// format (2.x bodies built from the recorded 2.10 answers), with faults a real deployment shows: outage,
/// lost answers, rate limiting, token expiry. Every exchange is recorded for the contract check.
/// </summary>
public sealed class FakeAirflow : IDisposable
{
    public const string Username = "wfc-service";
    public const string Password = "s3cret-airflow-pass";

    private readonly WireMockServer _server;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _validTokens = [];
    private readonly HashSet<string> _expiredTokens = [];
    private int _tokenCounter;
    private int _rateLimited;
    private int _rateLimitSeconds;
    private int _lostTriggerAnswers;

    public FakeAirflow(AirflowGeneration generation, TimeProvider time)
    {
        Generation = generation;
        _time = time;
        _server = WireMockServer.Start();
        _server.Given(Request.Create().WithPath(new WildcardMatcher("/*")).UsingAnyMethod())
            .RespondWith(Response.Create().WithCallback(Handle));
    }

    public AirflowGeneration Generation { get; }

    public string Url => _server.Url!;

    public Dictionary<string, FakeDag> Dags { get; } = [];

    public List<FakeRun> Runs { get; } = [];

    public Dictionary<RunKey, List<FakeTask>> Tasks { get; } = [];

    public List<(string Filename, string StackTrace)> ImportErrors { get; } = [];

    /// <summary>Requests answered by Airflow itself (checked against the document).</summary>
    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    /// <summary>Exceptions thrown by the stub itself (a test bug, reported by the harness).</summary>
    public ConcurrentQueue<string> StubErrors { get; } = new();

    /// <summary>Requests for the other generation's API (the version probe of auto-detection), answered 404.</summary>
    public ConcurrentQueue<Exchange> OtherGenerationProbes { get; } = new();

    /// <summary>Every request that reached the server, including those refused by a simulated outage.</summary>
    public ConcurrentQueue<string> AllRequests { get; } = new();

    /// <summary>While true, a proxy in front of Airflow answers 503 to everything.</summary>
    public bool Down { get; set; }

    public string Prefix => Generation == AirflowGeneration.V1 ? "/api/v1" : "/api/v2";

    public void Mutate(Action action)
    {
        lock (_lock)
        {
            action();
        }
    }

    public FakeDag AddDag(string dagId, bool paused = false, params string[] taskIds)
    {
        var dag = new FakeDag { DagId = dagId, IsPaused = paused, TaskIds = taskIds.Length > 0 ? taskIds : ["extract", "load"] };
        Mutate(() => Dags[dagId] = dag);
        return dag;
    }

    /// <summary>A run as Airflow's scheduler (or its UI) would create it, now or with the logical date <paramref name="at"/>.</summary>
    public FakeRun AddRun(string dagId, string runId, string state = "running", string runType = "scheduled", DateTimeOffset? at = null)
    {
        var now = at ?? _time.GetUtcNow();
        var run = new FakeRun
        {
            DagId = dagId, DagRunId = runId, State = state, RunType = runType, LogicalDate = now,
            StartDate = state == "queued" ? null : now, EndDate = AirflowRunStates.IsFinished(state) ? now : null,
        };
        Mutate(() => CreateRun(run));
        return run;
    }

    public void SetRunState(string dagId, string runId, string state) => Mutate(() =>
    {
        var run = Runs.Single(r => r.DagId == dagId && r.DagRunId == runId);
        run.State = state;
        run.StartDate ??= _time.GetUtcNow();
        run.EndDate = AirflowRunStates.IsFinished(state) ? _time.GetUtcNow() : null;
    });

    public void SetTaskState(string dagId, string runId, string taskId, string? state) => Mutate(() =>
    {
        var task = Tasks[new RunKey(dagId, runId)].Single(t => t.TaskId == taskId);
        task.State = state;
        if (state == "running")
        {
            task.TryNumber++;
            task.StartDate = _time.GetUtcNow();
        }

        if (state is "success" or "failed")
        {
            task.EndDate = _time.GetUtcNow();
        }
    });

    public void DeleteRun(string dagId, string runId) => Mutate(() =>
    {
        Runs.RemoveAll(r => r.DagId == dagId && r.DagRunId == runId);
        Tasks.Remove(new RunKey(dagId, runId));
    });

    /// <summary>The next <paramref name="count"/> Airflow requests get 429 with Retry-After.</summary>
    public void RateLimit(int count, int retryAfterSeconds) => Mutate(() => (_rateLimited, _rateLimitSeconds) = (count, retryAfterSeconds));

    /// <summary>The next trigger is carried out, but its answer is lost on the way back (502 from a proxy).</summary>
    public void LoseNextTriggerAnswer() => Mutate(() => _lostTriggerAnswers++);

    /// <summary>Every token issued so far expires (3.x answers 401 "Token Expired").</summary>
    public void ExpireTokens() => Mutate(() =>
    {
        _expiredTokens.UnionWith(_validTokens);
        _validTokens.Clear();
    });

    /// <summary>
    /// The API server restarts with another JWT signing key: every token issued so far is answered 403 "Invalid JWT
    /// token" (3.2's resolve_user_from_token), while new ones work.
    /// </summary>
    public void RestartWithNewSigningKey() => Mutate(() =>
    {
        _validTokens.Clear();
        _expiredTokens.Clear();
    });

    /// <summary>Every token, old or new, is refused (API servers that do not share a signing key).</summary>
    public bool RefuseEveryToken { get; set; }

    public int Count(string method, string pathSuffix) =>
        AllRequests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.EndsWith(pathSuffix, StringComparison.Ordinal));

    public void ResetCounts()
    {
        AllRequests.Clear();
    }

    /// <summary>
    /// Called with the DAG and run id when a trigger arrives, before Airflow creates the run and outside the stub's
    /// lock: a test makes something happen exactly while a trigger is on its way (a cancel racing it, say).
    /// </summary>
    public Action<string, string>? BeforeTrigger { get; set; }

    /// <summary>Problems of every exchange so far against the official document of this generation (and of probes against the other's).</summary>
    public List<string> ContractProblems()
    {
        var own = OpenApiContract.For(Generation);
        var other = OpenApiContract.For(Generation == AirflowGeneration.V1 ? AirflowGeneration.V2 : AirflowGeneration.V1);
        return
        [
            .. Exchanges.SelectMany(e => own.Check(e).Select(p => e + ": " + p)),
            .. OtherGenerationProbes.SelectMany(e => other.CheckRequest(e).Select(p => e + " (probe): " + p)),
        ];
    }

    public void Dispose() => _server.Stop();

    private IResponseMessage Handle(IRequestMessage request)
    {
        var path = "/" + string.Join('/', request.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString));
        AllRequests.Enqueue(request.Method + " " + path);
        var query = (request.Query ?? new Dictionary<string, WireMockList<string>>())
            .ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value]);
        var headers = (request.Headers ?? new Dictionary<string, WireMockList<string>>())
            .ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value), StringComparer.OrdinalIgnoreCase);
        if (!Down && request.Method == "POST" && BeforeTrigger is { } beforeTrigger
            && path.Split('/', StringSplitOptions.RemoveEmptyEntries) is [_, _, "dags", var triggeredDag, "dagRuns"] && triggeredDag != "~")
        {
            beforeTrigger(triggeredDag, (string?)JsonNode.Parse(request.Body ?? "{}")?["dag_run_id"] ?? "");
        }

        lock (_lock)
        {
            if (Down)
            {
                return Respond(503, "text/plain", "Service Unavailable");
            }

            if (_rateLimited > 0)
            {
                _rateLimited--;
                var limited = Respond(429, "text/plain", "Too Many Requests");
                limited.Headers!["Retry-After"] = new WireMockList<string>(_rateLimitSeconds.ToString(CultureInfo.InvariantCulture));
                return limited;
            }

            (int, string?, string) answer;
            try
            {
                answer = Route(request.Method, path, query, headers, request.Body);
            }
            catch (Exception e)
            {
                // A bug in the stub: answer with something never retried, so the test fails fast instead of hanging.
                StubErrors.Enqueue($"{request.Method} {path}: {e}");
                return Respond(418, "text/plain", "stub error");
            }

            var (status, contentType, body) = answer;
            var exchange = new Exchange(request.Method, path, query, headers, request.Body, status, contentType, body);
            (path.StartsWith(Prefix + "/", StringComparison.Ordinal) || path == "/auth/token" ? Exchanges : OtherGenerationProbes).Enqueue(exchange);
            if (_lostTriggerAnswers > 0 && request.Method == "POST" && path.EndsWith("/dagRuns", StringComparison.Ordinal) && status == 200)
            {
                _lostTriggerAnswers--;
                return Respond(502, "text/plain", "Bad Gateway");
            }

            return Respond(status, contentType, body);
        }
    }

    private static ResponseMessage Respond(int status, string? contentType, string body)
    {
        var response = new ResponseMessage
        {
            StatusCode = status,
            Headers = new Dictionary<string, WireMockList<string>>(),
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
        if (contentType is not null)
        {
            response.Headers["Content-Type"] = new WireMockList<string>(contentType);
        }

        return response;
    }

    private (int Status, string? ContentType, string Body) Route(
        string method, string path, Dictionary<string, IReadOnlyList<string>> query, Dictionary<string, string> headers, string? body)
    {
        if (path == "/auth/token" && Generation == AirflowGeneration.V2)
        {
            return IssueToken(body);
        }

        if (!path.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            return Generation == AirflowGeneration.V2 && path.StartsWith("/api/v1/", StringComparison.Ordinal)
                ? (404, "application/json", """{"error": "/api/v1 has been removed in Airflow 3, please use its upgraded version /api/v2 instead."}""")
                : (404, "text/html", "<!doctype html><title>404 Not Found</title>");
        }

        var s = path[(Prefix.Length + 1)..].Split('/');
        var isPublic = s is ["version"] or ["health"] or ["monitor", "health"];
        if (!isPublic && Authenticate(headers) is { } refused)
        {
            return refused;
        }

        var q = query.ToDictionary(kv => kv.Key, kv => kv.Value[0]);
        return (method, s) switch
        {
            ("GET", ["version"]) => Ok(new JsonObject { ["version"] = Generation == AirflowGeneration.V1 ? "2.10.4" : "3.1.0", ["git_version"] = null }),
            ("GET", ["health"]) when Generation == AirflowGeneration.V1 => Ok(Recorded.Body("01-health.json")),
            ("GET", ["monitor", "health"]) when Generation == AirflowGeneration.V2 => Ok(HealthV2()),
            ("GET", ["dags", var dagId]) => Dags.TryGetValue(dagId, out var dag) ? Ok(DagJson(dag)) : NotFound("DAG not found", $"The DAG with dag_id: {dagId} was not found"),
            ("PATCH", ["dags", var dagId]) => Dags.TryGetValue(dagId, out var dag) ? Pause(dag, body) : NotFound("DAG not found", $"The DAG with dag_id: {dagId} was not found"),
            ("DELETE", ["dags", var dagId]) => DeleteDag(dagId),
            ("GET", ["importErrors"]) => Ok(ImportErrorsJson(q)),
            ("PUT", ["parseDagFile", var token]) => Dags.Values.Any(d => d.FileToken == token)
                ? (201, Generation == AirflowGeneration.V1 ? "text/html; charset=utf-8" : "application/json", Generation == AirflowGeneration.V1 ? "" : "null")
                : NotFound("File not found", null),
            ("POST", ["dags", "~", "dagRuns", "list"]) => Ok(RunCollection(BatchRuns(JsonNode.Parse(body!)!.AsObject()), out _)),
            ("POST", ["dags", var dagId, "dagRuns"]) => Trigger(dagId, JsonNode.Parse(body!)!.AsObject()),
            ("GET", ["dags", var dagId, "dagRuns"]) => Ok(ListRuns(dagId, q)),
            ("GET", ["dags", var dagId, "dagRuns", var runId]) => FindRun(dagId, runId) is { } run ? Ok(RunJson(run)) : RunNotFound(dagId, runId),
            ("PATCH", ["dags", var dagId, "dagRuns", var runId]) => FindRun(dagId, runId) is { } run ? SetState(run, body) : RunNotFound(dagId, runId),
            ("POST", ["dags", "~", "dagRuns", "~", "taskInstances", "list"]) => Ok(TaskBatch(JsonNode.Parse(body!)!.AsObject())),
            ("GET", ["dags", var dagId, "dagRuns", var runId, "taskInstances"]) => FindRun(dagId, runId) is { } run
                ? Ok(TaskCollection(TasksOf(run).Select(t => (run, t)).ToList(), q))
                : RunNotFound(dagId, runId),
            ("POST", ["dags", var dagId, "clearTaskInstances"]) => Clear(dagId, JsonNode.Parse(body!)!.AsObject()),
            ("GET", ["dags", var dagId, "dagRuns", var runId, "taskInstances", var taskId, "logs", var tryNumber]) => Log(dagId, runId, taskId, tryNumber, q),
            _ => (404, "text/html", "<!doctype html><title>404 Not Found</title>"),
        };
    }

    private (int, string?, string)? Authenticate(Dictionary<string, string> headers)
    {
        var authorization = headers.GetValueOrDefault("Authorization");
        if (Generation == AirflowGeneration.V1)
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Username + ":" + Password));
            // 2.10 with FAB's public role answers 403 to a wrong or missing password (recorded 41/42).
            return authorization == expected ? null : (403, "application/problem+json", Recorded.Body("41-wrong-password-403.json").ToJsonString());
        }

        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return (401, "application/json", """{"detail": "Not authenticated"}""");
        }

        var token = authorization["Bearer ".Length..];
        if (_expiredTokens.Contains(token))
        {
            return (401, "application/json", """{"detail": "Token Expired"}""");
        }

        return _validTokens.Contains(token) && !RefuseEveryToken ? null : (403, "application/json", """{"detail": "Invalid JWT token"}""");
    }

    private (int, string?, string) IssueToken(string? body)
    {
        var login = body is null ? null : JsonNode.Parse(body) as JsonObject;
        if ((string?)login?["username"] != Username || (string?)login?["password"] != Password)
        {
            return (401, "application/json", """{"detail": "Invalid credentials"}""");
        }

        var token = "jwt-" + Interlocked.Increment(ref _tokenCounter).ToString(CultureInfo.InvariantCulture);
        _validTokens.Add(token);
        return (201, "application/json", new JsonObject { ["access_token"] = token }.ToJsonString());
    }

    private static (int, string?, string) Ok(JsonNode body) => (200, "application/json", body.ToJsonString());

    private (int, string?, string) Error(int status, string title, string? detail) => Generation == AirflowGeneration.V1
        ? (status, "application/problem+json", new JsonObject
        {
            ["detail"] = detail, ["status"] = status, ["title"] = title,
            ["type"] = "https://airflow.apache.org/docs/apache-airflow/2.10.4/stable-rest-api-ref.html#section/Errors/" + title.Replace(" ", "", StringComparison.Ordinal),
        }.ToJsonString())
        : (status, "application/json", new JsonObject { ["detail"] = detail ?? title }.ToJsonString());

    private (int, string?, string) NotFound(string title, string? detail) => Error(404, title, detail);

    private (int, string?, string) RunNotFound(string dagId, string runId) =>
        NotFound("DAGRun not found", $"DAGRun with DAG ID: '{dagId}' and DagRun ID: '{runId}' not found");

    private FakeRun? FindRun(string dagId, string runId) => Runs.FirstOrDefault(r => r.DagId == dagId && r.DagRunId == runId);

    private List<FakeTask> TasksOf(FakeRun run) => Tasks.GetValueOrDefault(run.Key) ?? [];

    private void CreateRun(FakeRun run)
    {
        Runs.Add(run);
        var dag = Dags.GetValueOrDefault(run.DagId);
        Tasks[run.Key] = [.. (dag?.TaskIds ?? ["extract", "load"]).Select(id => new FakeTask { TaskId = id, Log = $"{id}: line 1 with 'quotes' and \"double\"\n{id}: line 2\n" })];
    }

    private (int, string?, string) Pause(FakeDag dag, string? body)
    {
        dag.IsPaused = (bool)JsonNode.Parse(body!)!["is_paused"]!;
        return Ok(DagJson(dag));
    }

    private (int, string?, string) DeleteDag(string dagId)
    {
        if (!Dags.Remove(dagId))
        {
            return NotFound("DAG not found", $"The DAG with dag_id: {dagId} was not found");
        }

        foreach (var run in Runs.Where(r => r.DagId == dagId).ToList())
        {
            Runs.Remove(run);
            Tasks.Remove(run.Key);
        }

        // 2.x: 204 with a JSON content type (recorded 39); 3.x: 204 (FACTS.md section 7).
        return (204, Generation == AirflowGeneration.V1 ? "application/json" : null, "");
    }

    private (int, string?, string) Trigger(string dagId, JsonObject body)
    {
        if (!Dags.TryGetValue(dagId, out var dag))
        {
            return NotFound("DAG not found", $"DAG with dag_id: '{dagId}' not found");
        }

        if (dag.HasImportErrors)
        {
            return Error(400, "Bad Request", $"DAG with dag_id: '{dagId}' has import errors and cannot be triggered");
        }

        var runId = (string?)body["dag_run_id"] ?? "manual__" + _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        if (FindRun(dagId, runId) is not null)
        {
            return Generation == AirflowGeneration.V1
                ? Error(409, "Conflict", $"DAGRun with DAG ID: '{dagId}' and DAGRun ID: '{runId}' already exists")
                : (409, "application/json", new JsonObject
                {
                    ["detail"] = new JsonObject
                    {
                        ["reason"] = "Unique constraint violation",
                        ["statement"] = "INSERT INTO dag_run (dag_id, run_id) VALUES (%(dag_id)s, %(run_id)s)",
                        ["orig_error"] = "duplicate key value violates unique constraint \"dag_run_dag_id_run_id_key\"",
                        ["message"] = "Serious error when handling your request. Check logs for more details - you will find it in api server when you look for ID: 7f3a",
                    },
                }.ToJsonString());
        }

        var run = new FakeRun { DagId = dagId, DagRunId = runId, LogicalDate = _time.GetUtcNow(), Conf = body["conf"]?.AsObject().DeepClone().AsObject() ?? [] };
        CreateRun(run);
        return Ok(RunJson(run));
    }

    private (int, string?, string) SetState(FakeRun run, string? body)
    {
        run.State = (string)JsonNode.Parse(body!)!["state"]!;
        run.EndDate = _time.GetUtcNow();
        return Ok(RunJson(run));
    }

    private JsonObject ListRuns(string dagId, Dictionary<string, string> q)
    {
        var runs = Runs.Where(r => r.DagId == dagId).OrderByDescending(r => r.LogicalDate).ToList();
        var offset = int.Parse(q.GetValueOrDefault("offset", "0"), CultureInfo.InvariantCulture);
        var limit = int.Parse(q.GetValueOrDefault("limit", "100"), CultureInfo.InvariantCulture);
        return RunCollection((runs.Skip(offset).Take(Math.Min(limit, 100)).ToList(), runs.Count), out _);
    }

    private (List<FakeRun> Page, int Total) BatchRuns(JsonObject body)
    {
        var dagIds = body["dag_ids"]?.AsArray().Select(x => (string)x!).ToHashSet();
        var states = body["states"]?.AsArray().Select(x => (string)x!).ToHashSet();
        var endGte = body["end_date_gte"] is { } e ? DateTimeOffset.Parse((string)e!, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
        var matches = Runs
            .Where(r => dagIds is null || dagIds.Contains(r.DagId))
            .Where(r => states is null || states.Contains(r.State))
            .Where(r => endGte is null || (r.EndDate is { } end && end >= endGte))
            .ToList();
        var offset = (int?)body["page_offset"] ?? 0;
        var limit = (int?)body["page_limit"] ?? 100;
        return ([.. matches.Skip(offset).Take(limit)], matches.Count);
    }

    private JsonObject RunCollection((List<FakeRun> Page, int Total) runs, out int count)
    {
        count = runs.Page.Count;
        return new JsonObject { ["dag_runs"] = new JsonArray([.. runs.Page.Select(RunJson)]), ["total_entries"] = runs.Total };
    }

    private JsonObject TaskBatch(JsonObject body)
    {
        var dagIds = body["dag_ids"]?.AsArray().Select(x => (string)x!).ToHashSet();
        var runIds = body["dag_run_ids"]?.AsArray().Select(x => (string)x!).ToHashSet();
        var pairs = Runs.Where(r => (dagIds is null || dagIds.Contains(r.DagId)) && (runIds is null || runIds.Contains(r.DagRunId)))
            .SelectMany(r => TasksOf(r).Select(t => (r, t))).ToList();
        var paging = new Dictionary<string, string>();
        if (body["page_offset"] is { } o)
        {
            paging["offset"] = o.ToString();
        }

        if (body["page_limit"] is { } l)
        {
            paging["limit"] = l.ToString();
        }

        return TaskCollection(pairs, paging);
    }

    private JsonObject TaskCollection(List<(FakeRun Run, FakeTask Task)> tasks, Dictionary<string, string> q)
    {
        var offset = int.Parse(q.GetValueOrDefault("offset", "0"), CultureInfo.InvariantCulture);
        var limit = int.Parse(q.GetValueOrDefault("limit", int.MaxValue.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["task_instances"] = new JsonArray([.. tasks.Skip(offset).Take(limit).Select(p => TaskJson(p.Run, p.Task))]),
            ["total_entries"] = tasks.Count,
        };
    }

    private (int, string?, string) Clear(string dagId, JsonObject body)
    {
        var run = FindRun(dagId, (string)body["dag_run_id"]!);
        if (run is null)
        {
            return RunNotFound(dagId, (string)body["dag_run_id"]!);
        }

        var dryRun = (bool?)body["dry_run"] ?? true;
        var taskIds = body["task_ids"]!.AsArray().Select(t => (string)t!).ToList();
        var tasks = TasksOf(run);
        // As Airflow does: the named tasks, with include_downstream (default false) every task after them (these DAGs are
        // chains), and with only_failed (default true) only those that failed.
        var first = tasks.FindIndex(t => taskIds.Contains(t.TaskId));
        var downstream = (bool?)body["include_downstream"] ?? false;
        var onlyFailed = (bool?)body["only_failed"] ?? true;
        var cleared = tasks.Where((t, i) => taskIds.Contains(t.TaskId) || (downstream && first >= 0 && i > first))
            .Where(t => !onlyFailed || t.State is "failed" or "upstream_failed").ToList();
        if (!dryRun)
        {
            foreach (var task in cleared)
            {
                task.State = null;
            }

            run.State = "queued";
            run.EndDate = null;
        }

        var items = cleared.Select(t => Generation == AirflowGeneration.V1
            ? new JsonObject { ["dag_id"] = dagId, ["dag_run_id"] = run.DagRunId, ["execution_date"] = Iso(run.LogicalDate), ["task_id"] = t.TaskId }
            : TaskJson(run, t));
        var result = new JsonObject { ["task_instances"] = new JsonArray([.. items]) };
        if (Generation == AirflowGeneration.V2)
        {
            result["total_entries"] = cleared.Count;
        }

        return Ok(result);
    }

    private (int, string?, string) Log(string dagId, string runId, string taskId, string tryText, Dictionary<string, string> q)
    {
        var task = FindRun(dagId, runId) is { } run ? TasksOf(run).FirstOrDefault(t => t.TaskId == taskId) : null;
        var tryNumber = int.Parse(tryText, CultureInfo.InvariantCulture);
        if (task is null || tryNumber < 1 || tryNumber > Math.Max(task.TryNumber, 1))
        {
            return NotFound("TaskInstance not found", null);
        }

        var position = q.TryGetValue("token", out var token) ? DecodePosition(token) : 0;
        var text = task.Log[Math.Min(position, task.Log.Length)..];
        var finished = task.State is "success" or "failed";
        var nextToken = EncodePosition(task.Log.Length, finished);
        if (Generation == AirflowGeneration.V1)
        {
            return Ok(new JsonObject { ["content"] = PythonRepr("vm", text), ["continuation_token"] = nextToken });
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (JsonNode)new JsonObject { ["timestamp"] = Iso(task.StartDate ?? _time.GetUtcNow()), ["event"] = l, ["level"] = "info" });
        return Ok(new JsonObject { ["content"] = new JsonArray([.. lines]), ["continuation_token"] = finished ? null : nextToken });
    }

    /// <summary>Like itsdangerous: readable base64 JSON payload, then a signature.</summary>
    private static string EncodePosition(int position, bool end) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"end_of_log\":{(end ? "true" : "false")},\"log_pos\":{position}}}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_') + ".sig";

    private static int DecodePosition(string token)
    {
        var payload = token.Split('.')[0].Replace('-', '+').Replace('_', '/');
        payload += new string('=', (4 - (payload.Length % 4)) % 4);
        return (int)JsonNode.Parse(Convert.FromBase64String(payload))!["log_pos"]!;
    }

    /// <summary>Python's repr of [(host, text)], quote style chosen as Python does (recorded 24 vs 35).</summary>
    private static string PythonRepr(string host, string text)
    {
        static string Quote(string s)
        {
            var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
            var escaped = new StringBuilder();
            foreach (var c in s)
            {
                escaped.Append(c switch
                {
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    _ when c == quote => "\\" + c,
                    _ => c.ToString(),
                });
            }

            return quote + escaped.ToString() + quote;
        }

        return $"[({Quote(host)}, {Quote(text)})]";
    }

    private static string Iso(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    private static JsonNode? Iso(DateTimeOffset? value) => value is { } v ? Iso(v) : null;

    private JsonObject HealthV2() => new()
    {
        ["metadatabase"] = new JsonObject { ["status"] = "healthy" },
        ["scheduler"] = new JsonObject { ["status"] = "healthy", ["latest_scheduler_heartbeat"] = Iso(_time.GetUtcNow()) },
        ["triggerer"] = new JsonObject { ["status"] = null, ["latest_triggerer_heartbeat"] = null },
        ["dag_processor"] = new JsonObject { ["status"] = "healthy", ["latest_dag_processor_heartbeat"] = Iso(_time.GetUtcNow()) },
    };

    private JsonObject DagJson(FakeDag dag)
    {
        if (Generation == AirflowGeneration.V1)
        {
            var json = Recorded.Body("05-get-dag.json").AsObject();
            json["dag_id"] = dag.DagId;
            json["dag_display_name"] = dag.DagId;
            json["is_paused"] = dag.IsPaused;
            json["has_import_errors"] = dag.HasImportErrors;
            json["file_token"] = dag.FileToken;
            json["fileloc"] = dag.FileLocation;
            return json;
        }

        return new JsonObject
        {
            ["dag_id"] = dag.DagId, ["dag_display_name"] = dag.DagId, ["is_paused"] = dag.IsPaused, ["is_stale"] = false,
            ["last_parsed_time"] = Iso(_time.GetUtcNow()), ["last_parse_duration"] = 0.12, ["last_expired"] = null,
            ["bundle_name"] = "dags-folder", ["bundle_version"] = null, ["relative_fileloc"] = "users/" + dag.DagId + ".py",
            ["fileloc"] = dag.FileLocation, ["description"] = null, ["timetable_summary"] = null,
            ["timetable_description"] = "Never, external triggers only", ["timetable_partitioned"] = false,
            ["tags"] = new JsonArray(new JsonObject { ["name"] = "workflowcontrol", ["dag_id"] = dag.DagId, ["dag_display_name"] = dag.DagId }),
            ["max_active_tasks"] = 16, ["max_active_runs"] = 1, ["max_consecutive_failed_dag_runs"] = 0,
            ["has_task_concurrency_limits"] = false, ["has_import_errors"] = dag.HasImportErrors,
            ["next_dagrun_logical_date"] = null, ["next_dagrun_data_interval_start"] = null, ["next_dagrun_data_interval_end"] = null,
            ["next_dagrun_run_after"] = null, ["allowed_run_types"] = null, ["owners"] = new JsonArray("airflow"), ["file_token"] = dag.FileToken,
        };
    }

    private JsonObject ImportErrorsJson(Dictionary<string, string> q)
    {
        var offset = int.Parse(q.GetValueOrDefault("offset", "0"), CultureInfo.InvariantCulture);
        var limit = int.Parse(q.GetValueOrDefault("limit", "100"), CultureInfo.InvariantCulture);
        var items = ImportErrors.Select((e, i) =>
        {
            var json = Generation == AirflowGeneration.V1
                ? Recorded.Body("10-import-errors-list.json")["import_errors"]![0]!.DeepClone().AsObject()
                : new JsonObject { ["import_error_id"] = 0, ["timestamp"] = "", ["filename"] = "", ["bundle_name"] = "dags-folder", ["stack_trace"] = "" };
            json["import_error_id"] = i + 1;
            json["filename"] = e.Filename;
            json["stack_trace"] = e.StackTrace;
            json["timestamp"] = Iso(_time.GetUtcNow());
            return (JsonNode)json;
        }).Skip(offset).Take(limit);
        return new JsonObject { ["import_errors"] = new JsonArray([.. items]), ["total_entries"] = ImportErrors.Count };
    }

    private JsonObject RunJson(FakeRun run)
    {
        if (Generation == AirflowGeneration.V1)
        {
            var json = Recorded.Body("13-trigger-dag-run.json").AsObject();
            json["dag_id"] = run.DagId;
            json["dag_run_id"] = run.DagRunId;
            json["state"] = run.State;
            json["run_type"] = run.RunType;
            json["conf"] = run.Conf.DeepClone();
            json["note"] = null;
            foreach (var field in new[] { "logical_date", "execution_date", "data_interval_start", "data_interval_end" })
            {
                json[field] = Iso(run.LogicalDate);
            }

            json["start_date"] = Iso(run.StartDate);
            json["end_date"] = Iso(run.EndDate);
            json["external_trigger"] = run.RunType == "manual";
            return json;
        }

        return new JsonObject
        {
            ["dag_run_id"] = run.DagRunId, ["dag_id"] = run.DagId, ["logical_date"] = Iso(run.LogicalDate), ["queued_at"] = Iso(run.LogicalDate),
            ["start_date"] = Iso(run.StartDate), ["end_date"] = Iso(run.EndDate),
            ["duration"] = run.StartDate is { } s && run.EndDate is { } e ? (e - s).TotalSeconds : null,
            ["data_interval_start"] = Iso(run.LogicalDate), ["data_interval_end"] = Iso(run.LogicalDate), ["run_after"] = Iso(run.LogicalDate),
            ["last_scheduling_decision"] = null, ["run_type"] = run.RunType, ["state"] = run.State,
            ["triggered_by"] = run.RunType == "manual" ? "rest_api" : "timetable", ["triggering_user_name"] = run.RunType == "manual" ? Username : null,
            ["conf"] = run.Conf.DeepClone(), ["note"] = null, ["dag_versions"] = new JsonArray(), ["bundle_version"] = null,
            ["dag_display_name"] = run.DagId, ["partition_key"] = null,
        };
    }

    private JsonObject TaskJson(FakeRun run, FakeTask task)
    {
        var duration = task.StartDate is { } s && task.EndDate is { } e ? (e - s).TotalSeconds : (double?)null;
        if (Generation == AirflowGeneration.V1)
        {
            var json = Recorded.Body("22-task-instances-of-run.json")["task_instances"]![0]!.DeepClone().AsObject();
            json["dag_id"] = run.DagId;
            json["dag_run_id"] = run.DagRunId;
            json["task_id"] = task.TaskId;
            json["task_display_name"] = task.TaskId;
            json["state"] = task.State;
            json["try_number"] = task.TryNumber;
            json["start_date"] = Iso(task.StartDate);
            json["end_date"] = Iso(task.EndDate);
            json["duration"] = duration;
            json["execution_date"] = Iso(run.LogicalDate);
            return json;
        }

        return new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["task_id"] = task.TaskId, ["dag_id"] = run.DagId, ["dag_run_id"] = run.DagRunId,
            ["map_index"] = -1, ["logical_date"] = Iso(run.LogicalDate), ["run_after"] = Iso(run.LogicalDate),
            ["start_date"] = Iso(task.StartDate), ["end_date"] = Iso(task.EndDate), ["duration"] = duration,
            ["state"] = task.State, ["try_number"] = task.TryNumber, ["max_tries"] = 1,
            ["task_display_name"] = task.TaskId, ["dag_display_name"] = run.DagId, ["hostname"] = "worker", ["unixname"] = "airflow",
            ["pool"] = "default_pool", ["pool_slots"] = 1, ["queue"] = "default", ["priority_weight"] = 1,
            ["operator"] = "WorkflowTaskOperator", ["operator_name"] = "WorkflowTaskOperator", ["queued_when"] = null, ["scheduled_when"] = null,
            ["pid"] = null, ["executor"] = null, ["executor_config"] = "{}", ["note"] = null, ["rendered_map_index"] = null,
            ["rendered_fields"] = new JsonObject(), ["trigger"] = null, ["triggerer_job"] = null, ["dag_version"] = null,
        };
    }
}
