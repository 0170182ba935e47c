using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Runs;

public sealed record TriggerRequest(Dictionary<string, JsonElement>? Params = null);

/// <summary>A run's id and state; <paramref name="Message"/> says why a pending run waits or why a run failed before Airflow had it.</summary>
public sealed record TriggeredRun(string RunId, string State, string? Message = null);

/// <summary>One run; <paramref name="Message"/> as in <see cref="TriggeredRun"/>.</summary>
public sealed record RunSummaryItem(string RunId, string State, string RunType, Guid? TriggeredBy, int? Version,
    DateTimeOffset? LogicalDate, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Message = null);

public sealed record RunPage(IReadOnlyList<RunSummaryItem> Items, int Total);

public sealed record TaskRunState(string TaskId, string? State, int TryNumber, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, double? DurationSeconds);

/// <summary>
/// A run with Airflow's task instances (<paramref name="Tasks"/>) and each step's state (<paramref name="Steps"/>, see <see cref="StepStates"/>).
/// <paramref name="Message"/> says why a pending run waits, why it failed before Airflow had it, or that Airflow is unreachable and the
/// state is the last one WorkflowControl saw.
/// </summary>
public sealed record RunDetail(string RunId, string State, string RunType, Guid? TriggeredBy, int? Version,
    DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, JsonObject? Params, IReadOnlyList<TaskRunState> Tasks, IReadOnlyList<StepRunState> Steps,
    string? Message = null);

/// <summary>A chunk of one Airflow task's log; <paramref name="TaskId"/> is that task (a fused step's log is its group's).</summary>
public sealed record TaskLog(string TaskId, string Content, string? ContinuationToken, bool Done);

public sealed record PauseRequest(bool Paused);

/// <summary>
/// Runs of a workflow, through Airflow: trigger (idempotent: the run id is stored before the first request),
/// list (including runs Airflow's scheduler or UI started), detail with task instances and step states, logs, cancel,
/// retry, pause. Logs and retries take a step or an Airflow task: a step of a fused group reads and retries its
/// group's task (<see cref="RunPlan"/>). Every action is audited. Airflow's failures become ProblemDetails in ExceptionHandling.
/// </summary>
public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapPost("/runs", Trigger).RequireWorkflowRole(Role.Execute).WithName("TriggerRun");
        workflow.MapGet("/runs", List).RequireWorkflowRole(Role.View).WithName("ListRuns").AddOpenApiOperationTransformer(DeclareAirflowUnreachable);
        workflow.MapGet("/runs/{runId}", Get).RequireWorkflowRole(Role.View).WithName("GetRun");
        workflow.MapGet("/runs/{runId}/tasks/{taskId}/logs", Logs).RequireWorkflowRole(Role.View).WithName("GetTaskLog");
        workflow.MapPost("/runs/{runId}/cancel", Cancel).RequireWorkflowRole(Role.Execute).WithName("CancelRun");
        workflow.MapPost("/runs/{runId}/tasks/{taskId}/retry", Retry).RequireWorkflowRole(Role.Execute).WithName("RetryTask");
        workflow.MapPost("/pause", Pause).RequireWorkflowRole(Role.Execute).WithName("PauseWorkflow");
        return workflow;
    }

    public static async Task<Results<Accepted<TriggeredRun>, ProblemHttpResult>> Trigger(
        Guid id, TriggerRequest request, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow,
        WorkflowControl.Airflow.Tracking.IRunTrackerSignal tracker, TimeProvider time, IConfiguration configuration, HttpResponse response,
        CancellationToken ct, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey = null)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        if (idempotencyKey is not null && !RunIdempotency.IsUsable(idempotencyKey))
        {
            return Problems.BadRequest($"The Idempotency-Key header must be 1 to {RunIdempotency.MaxLength} visible ASCII characters.");
        }

        var deployed = await connection.QuerySingleOrDefaultAsync<(int Version, string State, string? Message, string File)?>(
            "SELECT version, state, message, file FROM deployments WHERE workflow_id = @id AND state <> 'superseded' ORDER BY created_at DESC LIMIT 1", new { id });
        if (deployed is not { } deployment)
        {
            return Problems.Conflict("The workflow has not been deployed yet. Deploy it, wait until Airflow has parsed it, then run it.");
        }

        // What the caller sent is checked first: a retry after "not parsed yet" should not meet a second, different refusal.
        var version = deployment.Version;
        var pinned = (await DeploymentEndpoints.PinAsync(connection, id, version))!;
        var (conf, problems) = RunParams.Resolve(pinned.Document.Spec.Params, request.Params);
        if (conf is null)
        {
            return TypedResults.Problem(statusCode: 400, title: "The run's parameters are not valid",
                detail: string.Join(" ", problems.Select(p => p.Message)), extensions: new Dictionary<string, object?> { ["problems"] = problems });
        }

        // A repeated key answers with the run it made, whatever happened since (a CI job retrying after a lost answer).
        if (idempotencyKey is not null && await RunIdempotency.EarlierAsync(connection, id, idempotencyKey, conf) is { } earlier)
        {
            return Repeated(id, earlier);
        }

        var retryAfter = DeploymentFollower.IntervalOf(configuration);
        if (TriggerRefusal(deployment.Version, deployment.State, DeploymentStates.ShownMessage(deployment.State, deployment.Message, deployment.File)) is { } refusal)
        {
            return Refuse(refusal, response, retryAfter);
        }

        var dagId = DagPaths.DagId(id);
        string? waiting = null;
        try
        {
            // A paused DAG's runs stay queued for ever: say so now rather than accept a run that never starts.
            var dag = await airflow.GetDagAsync(dagId, ct);
            await DeploymentEndpoints.RecordPausedInAirflowAsync(connection, id, dag?.IsPaused);
            if (dag is null)
            {
                await AuditLog.WriteAsync(connection, null, user, "run.trigger_refused", id, new { version, reason = "DAG unknown to Airflow" }, time.GetUtcNow());
                return Refuse(NotParsed(version, "Airflow does not know its DAG right now (deleted in Airflow, or not parsed by Airflow yet)"), response, retryAfter);
            }

            if (dag.IsPaused)
            {
                return TypedResults.Problem(statusCode: 409, title: "Paused in Airflow", type: AirflowProblems.TypeBase + "paused",
                    detail: "The workflow's DAG is paused in Airflow, so a run would wait for ever. Unpause it (POST /workflows/" + id
                        + "/pause with {\"paused\": false}, or the Unpause button in the editor), then run it.");
            }
        }
        catch (AirflowUnavailableException e)
        {
            waiting = e.Message;
        }

        var now = time.GetUtcNow();
        var runId = $"wfc_{now:yyyyMMdd'T'HHmmss'Z'}_{Guid.NewGuid().ToString("N")[..8]}";
        WorkflowControl.Api.Infrastructure.Telemetry.ApiTelemetry.Tag(id, runId);
        // Stored before Airflow hears of it: whatever happens to the request, this id names the one run it can create.
        var inserted = await connection.ExecuteAsync(
            """
            INSERT INTO runs (workflow_id, dag_run_id, version, params, state, message, triggered_by, created_at, updated_at, reached_airflow, idempotency_key)
            VALUES (@id, @runId, @version, @conf::jsonb, 'pending', @message, @user, @now, @now, false, @idempotencyKey)
            ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """,
            new { id, runId, version, conf = conf.ToJsonString(), message = WaitingFor(waiting), user = user.GetCaller().UserId, now = now.UtcDateTime, idempotencyKey });
        if (inserted == 0 && await RunIdempotency.EarlierAsync(connection, id, idempotencyKey!, conf) is { } raced)
        {
            // A concurrent request with the same key stored its run first.
            return Repeated(id, raced);
        }

        await AuditLog.WriteAsync(connection, null, user, "run.triggered", id, new { runId, version }, now);

        if (waiting is null)
        {
            try
            {
                var run = await airflow.TriggerDagRunAsync(dagId, runId, conf, ct);
                // A cancel that came while the trigger was on its way found the run pending: it is Airflow's now, and active, so
                // the tracker marks it failed there (TrackedRun.Cancelled).
                await connection.ExecuteAsync(
                    """
                    UPDATE runs SET state = @state, reached_airflow = true, updated_at = @now
                    WHERE workflow_id = @id AND dag_run_id = @runId AND (state = 'pending' OR cancelled_at IS NOT NULL)
                    """,
                    new { id, runId, state = run.State, now = time.GetUtcNow().UtcDateTime });
                tracker.PollSoon();
                return TypedResults.Accepted($"/workflows/{id}/runs/{runId}", new TriggeredRun(runId, run.State));
            }
            catch (AirflowUnavailableException e)
            {
                waiting = e.Message;
                await connection.ExecuteAsync("UPDATE runs SET message = @message WHERE workflow_id = @id AND dag_run_id = @runId AND state = 'pending'",
                    new { id, runId, message = WaitingFor(waiting) });
            }
            catch (AirflowException e)
            {
                // Airflow made no run: none is kept here either, or the dashboard would show a run the run list does not have.
                await connection.ExecuteAsync("DELETE FROM runs WHERE workflow_id = @id AND dag_run_id = @runId", new { id, runId });
                await AuditLog.WriteAsync(connection, null, user, "run.trigger_refused", id, new { runId, version, reason = e.Message }, time.GetUtcNow());
                if (e is AirflowNotFoundException)
                {
                    // Airflow has no such DAG now: deleted in Airflow (it comes back with the next parse) or not parsed again yet.
                    return Refuse(NotParsed(version, "Airflow does not know its DAG right now (deleted in Airflow, or not parsed by Airflow yet)"), response, retryAfter);
                }

                throw;
            }
        }

        // Pending: listed and readable at its Location from now on; the tracker triggers it with the same run id once Airflow answers.
        tracker.PollSoon();
        return TypedResults.Accepted($"/workflows/{id}/runs/{runId}", new TriggeredRun(runId, WorkflowControl.Airflow.Tracking.TrackedRunStates.Pending, WaitingFor(waiting)));
    }

    /// <summary>Why a pending run waits, in a user's words.</summary>
    private static string? WaitingFor(string? airflowProblem) =>
        airflowProblem is null ? null : "Waiting for Airflow: " + airflowProblem.TrimEnd('.') + ". WorkflowControl starts the run as soon as Airflow answers.";

    private static Results<Accepted<TriggeredRun>, ProblemHttpResult> Repeated(Guid id, RunIdempotency.Earlier earlier) =>
        earlier.SameParams
            ? TypedResults.Accepted($"/workflows/{id}/runs/{earlier.RunId}", new TriggeredRun(earlier.RunId, earlier.State, earlier.Message))
            : TypedResults.Problem(statusCode: 422, title: "Idempotency-Key reused with other parameters",
                detail: $"This Idempotency-Key already started run {earlier.RunId} with other parameters. Send a new key for a new run.");

    /// <summary>A trigger refused before Airflow hears of it, and whether trying again soon can help.</summary>
    internal sealed record Refusal(string Title, string Detail, string Type, bool RetryLater);

    /// <summary>Why the latest deployment cannot run now, or null when Airflow has parsed it (a pure decision).</summary>
    internal static Refusal? TriggerRefusal(int version, string state, string? message) => state switch
    {
        "import_error" => new("The workflow's DAG file has an import error",
            $"Airflow cannot import the DAG file of version {version}: {message ?? "no reason given"}. Fix the workflow and deploy it again.",
            AirflowProblems.TypeBase + "import-error", RetryLater: false),
        "written" => NotParsed(version, "not parsed by Airflow yet"),
        _ => null,
    };

    private static Refusal NotParsed(int version, string why) =>
        new("Not parsed by Airflow yet", $"Version {version} is deployed but {why}; try again in a few seconds.", AirflowProblems.TypeBase + "not-parsed", RetryLater: true);

    private static ProblemHttpResult Refuse(Refusal refusal, HttpResponse response, TimeSpan retryAfter)
    {
        if (refusal.RetryLater)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(statusCode: 409, title: refusal.Title, detail: refusal.Detail, type: refusal.Type);
    }

    /// <summary>
    /// Set on a run list answered from the database because Airflow is unreachable: the states may be stale, and a
    /// client that must know Airflow's answer (wfctl status exits 7) can tell without parsing the body.
    /// </summary>
    public const string AirflowUnreachableHeader = "Airflow-Unreachable";

    private const int MaxRunOffset = 1_000_000_000;

    /// <summary>Declares <see cref="AirflowUnreachableHeader"/> on the run list's 200 answer, so generated clients know to look for it.</summary>
    private static Task DeclareAirflowUnreachable(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.GetValueOrDefault("200") is OpenApiResponse ok)
        {
            ok.Headers ??= new Dictionary<string, IOpenApiHeader>();
            ok.Headers[AirflowUnreachableHeader] = new OpenApiHeader
            {
                Description = "Present when Airflow could not be asked: the runs are WorkflowControl's last view of them (its value says so in words).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }

        return Task.CompletedTask;
    }

    public static async Task<Results<Ok<RunPage>, ProblemHttpResult>> List(
        Guid id, NpgsqlDataSource database, IAirflowClient airflow, HttpResponse response, CancellationToken ct, int offset = 0, int limit = 50)
    {
        // The page's end (offset + limit) is computed below: an offset near int.MaxValue would overflow it.
        if (offset is < 0 or > MaxRunOffset || limit is < 1 or > 100)
        {
            return Problems.BadRequest($"offset must be between 0 and {MaxRunOffset} and limit between 1 and 100.");
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        // Runs Airflow does not have (pending, or refused for good) are merged with Airflow's by time, so each appears once,
        // in order, on whichever page it falls (RunListPaging): Airflow's window starts early enough to place them.
        var (notInAirflow, notInAirflowCount) = await LocalRun.NotInAirflowAsync(connection, id, offset + limit);
        var windowStart = RunListPaging.AirflowWindowStart(offset, notInAirflowCount);
        AirflowPage<AirflowDagRun> window;
        try
        {
            window = await AirflowWindowAsync(airflow, DagPaths.DagId(id), windowStart, offset + limit - windowStart, ct);
        }
        catch (AirflowNotFoundException)
        {
            // Airflow does not know the DAG yet (never deployed, or not parsed yet): only runs it never had.
            window = new AirflowPage<AirflowDagRun>([], 0);
        }
        catch (AirflowUnavailableException)
        {
            // Airflow is away: the runs as WorkflowControl last saw them, pending ones included.
            var stored = await LocalRun.PageAsync(connection, id, offset, limit);
            response.Headers[AirflowUnreachableHeader] = "Airflow is not reachable right now; these are the runs as WorkflowControl saw them last.";
            return TypedResults.Ok(new RunPage([.. stored.Items.Select(r => r.Summary())], stored.Total));
        }

        var ours = (await LocalRun.ManyAsync(connection, id, window.Items.Select(r => r.DagRunId))).ToDictionary(r => r.DagRunId);
        // A run whose trigger reached Airflow but whose answer did not is Airflow's already: listed once, from Airflow.
        var inAirflow = window.Items.Select(r => r.DagRunId).ToHashSet(StringComparer.Ordinal);
        var items = RunListPaging.Page(
            [.. window.Items.Select(r => (r.ListedAt, Summary(r, ours.GetValueOrDefault(r.DagRunId))))],
            windowStart,
            [.. notInAirflow.Where(r => !inAirflow.Contains(r.DagRunId)).Select(r => (WorkflowRows.Utc(r.CreatedAt), r.Summary()))],
            offset,
            limit);
        return TypedResults.Ok(new RunPage(items, window.TotalEntries + notInAirflowCount));
    }

    /// <summary>Airflow's runs from <paramref name="start"/>, <paramref name="count"/> of them or up to its last, in pages Airflow accepts.</summary>
    private static async Task<AirflowPage<AirflowDagRun>> AirflowWindowAsync(IAirflowClient airflow, string dagId, int start, int count, CancellationToken ct)
    {
        var items = new List<AirflowDagRun>();
        var total = 0;
        do
        {
            var page = await airflow.ListDagRunsAsync(dagId, new AirflowPaging(start + items.Count, Math.Min(AirflowPaging.First.Limit, count - items.Count)), ct);
            total = page.TotalEntries;
            items.AddRange(page.Items);
            if (page.Items.Count == 0)
            {
                break;
            }
        }
        while (items.Count < count && start + items.Count < total);

        return new AirflowPage<AirflowDagRun>(items, total);
    }

    private static RunSummaryItem Summary(AirflowDagRun run, LocalRun? local) =>
        new(run.DagRunId, RunStates.Shown(run.State, local?.CancelledAt), run.RunType, local?.TriggeredBy, local?.Version,
            run.LogicalDate, run.StartDate, run.EndDate, local?.CancelledAt is null ? null : local.Message);

    public static async Task<Results<Ok<RunDetail>, ProblemHttpResult>> Get(
        Guid id, string runId, NpgsqlDataSource database, AirflowReadCache airflow, StepRecords records, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var local = await LocalRun.OneAsync(connection, id, runId);
        if (local is { ReachedAirflow: false })
        {
            // Pending (or refused for good): Airflow has nothing to say about it yet, the database has all there is.
            return TypedResults.Ok(local.Detail(local.Message));
        }

        var dagId = DagPaths.DagId(id);
        AirflowDagRun? run;
        IReadOnlyList<AirflowTaskInstance> tasks;
        try
        {
            run = await airflow.GetDagRunAsync(dagId, runId, ct);
            if (run is null)
            {
                return Problems.NotFound("run");
            }

            tasks = await airflow.ListTaskInstancesAsync(dagId, runId, ct);
        }
        catch (AirflowUnavailableException) when (local is not null)
        {
            return TypedResults.Ok(local.Detail("Airflow is not reachable right now; this is the state WorkflowControl saw last."));
        }

        var plan = await RunPlan.LoadAsync(connection, id, runId);
        var steps = StepStates.Of(plan?.Groups, tasks, group => records.Read(plan!.OwnerId, id, runId, group.TaskId));
        return TypedResults.Ok(new RunDetail(run.DagRunId, RunStates.Shown(run.State, local?.CancelledAt), run.RunType, local?.TriggeredBy, local?.Version,
            run.StartDate, run.EndDate, run.Conf, tasks.Select(t => new TaskRunState(t.TaskId, t.State, t.TryNumber, t.StartDate, t.EndDate, t.Duration)).ToList(), steps,
            local?.CancelledAt is null ? null : local.Message));
    }

    public static async Task<Results<Ok<TaskLog>, ProblemHttpResult>> Logs(
        Guid id, string runId, string taskId, NpgsqlDataSource database, AirflowReadCache airflow, CancellationToken ct,
        int? @try = null, string? token = null)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var dagId = DagPaths.DagId(id);
        var task = await TaskOfAsync(connection, id, runId, taskId);
        var tryNumber = @try ?? (await airflow.ListTaskInstancesAsync(dagId, runId, ct)).FirstOrDefault(t => t.TaskId == task)?.TryNumber ?? 1;
        var chunk = await airflow.GetTaskLogAsync(dagId, runId, task, Math.Max(tryNumber, 1), token, ct);
        return TypedResults.Ok(new TaskLog(task, chunk.Content, chunk.ContinuationToken, chunk.EndOfLog));
    }

    /// <summary>
    /// Cancels a pending, queued or running run: a pending one is never sent to Airflow, a queued or running one is marked
    /// failed there. Either way it shows as "cancelled" from then on. A finished run is history and stays as it is (409).
    /// </summary>
    public static async Task<Results<Ok<TriggeredRun>, ProblemHttpResult>> Cancel(
        Guid id, string runId, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow, IWorkflowChannel channel, TimeProvider time,
        CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var now = time.GetUtcNow();
        var local = await LocalRun.OneAsync(connection, id, runId);
        string oldState;
        AirflowDagRun? cancelledRun = null;
        if (local is { ReachedAirflow: false })
        {
            oldState = local.State;
            var stopped = local.State == TrackedPending && await connection.ExecuteAsync(
                """
                UPDATE runs SET state = 'failed', cancelled_at = @now, message = 'Cancelled before Airflow started it.', updated_at = @now
                WHERE workflow_id = @id AND dag_run_id = @runId AND state = 'pending' AND NOT reached_airflow
                """,
                new { id, runId, now = now.UtcDateTime }) == 1;
            if (!stopped)
            {
                return NotCancellable(RunStates.Shown(local.State, local.CancelledAt));
            }
        }
        else
        {
            var dagId = DagPaths.DagId(id);
            var current = await airflow.GetDagRunAsync(dagId, runId, ct);
            if (current is null)
            {
                return Problems.NotFound("run");
            }

            if (local?.CancelledAt is not null || !RunStates.Cancellable.Contains(current.State))
            {
                return NotCancellable(RunStates.Shown(current.State, local?.CancelledAt));
            }

            oldState = current.State;
            var run = cancelledRun = await airflow.MarkDagRunFailedAsync(dagId, runId, ct);
            // Runs Airflow started on its own are recorded too, so that they keep the word "cancelled".
            await connection.ExecuteAsync(
                """
                INSERT INTO runs (workflow_id, dag_run_id, state, message, cancelled_at, created_at, updated_at)
                VALUES (@id, @runId, @state, 'cancelled', @now, @now, @now)
                ON CONFLICT (workflow_id, dag_run_id) DO UPDATE SET state = EXCLUDED.state, message = EXCLUDED.message,
                    cancelled_at = EXCLUDED.cancelled_at, updated_at = EXCLUDED.updated_at
                """,
                new { id, runId, state = run.State, now = now.UtcDateTime });
        }

        await AuditLog.WriteAsync(connection, null, user, "run.cancelled", id, new { runId }, now);
        // Browsers watching the workflow see it at once (a pending run never reaches the tracker).
        await LiveRunNotifier.SendRunChangedAsync(channel, id, runId, "Cancelled", oldState, RunStates.Cancelled, cancelledRun, null, ct);
        return TypedResults.Ok(new TriggeredRun(runId, RunStates.Cancelled));
    }

    private const string TrackedPending = WorkflowControl.Airflow.Tracking.TrackedRunStates.Pending;

    private static ProblemHttpResult NotCancellable(string state) =>
        TypedResults.Problem(statusCode: 409, title: "The run cannot be cancelled",
            detail: $"The run is {state}; only pending, queued or running runs can be cancelled.", extensions: new Dictionary<string, object?> { ["state"] = state });

    /// <summary>
    /// Runs the named task (a step: its group's task) again, whatever it ended with, and with <paramref name="downstream"/>
    /// every task after it. A task that has not finished is refused (409): clearing it would cut its try short.
    /// </summary>
    public static async Task<Results<Ok<List<string>>, ProblemHttpResult>> Retry(
        Guid id, string runId, string taskId, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow, TimeProvider time, CancellationToken ct,
        bool downstream = false)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        // Retrying a step of a fused group runs the group again: its steps share one Airflow task.
        var task = await TaskOfAsync(connection, id, runId, taskId);
        var dagId = DagPaths.DagId(id);
        var instance = (await airflow.ListTaskInstancesAsync(dagId, runId, ct)).FirstOrDefault(t => t.TaskId == task);
        if (instance is null)
        {
            return Problems.NotFound("task");
        }

        if (instance.State is not { } state || !RunStates.RetryableTask.Contains(state))
        {
            return TypedResults.Problem(statusCode: 409, title: "The task has not finished",
                detail: $"Task {task} is {instance.State ?? "not started yet"}; only a finished task ({string.Join(", ", RunStates.RetryableTask)}) can be retried.",
                extensions: new Dictionary<string, object?> { ["state"] = instance.State });
        }

        var cleared = await airflow.ClearTaskAsync(dagId, runId, task, downstream, ct);
        // Running again: a cancelled run that is retried is no longer cancelled.
        await connection.ExecuteAsync("UPDATE runs SET cancelled_at = NULL WHERE workflow_id = @id AND dag_run_id = @runId", new { id, runId });
        await AuditLog.WriteAsync(connection, null, user, "run.task_retried", id,
            new { runId, taskId = task, step = task == taskId ? null : taskId, downstream, cleared }, time.GetUtcNow());
        return TypedResults.Ok(cleared.ToList());
    }

    public static async Task<Results<Ok<PauseRequest>, ProblemHttpResult>> Pause(
        Guid id, PauseRequest request, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var dag = await airflow.SetPausedAsync(DagPaths.DagId(id), request.Paused, ct);
        // Remembered on the deployment so the dashboard shows a next run only for workflows Airflow will schedule.
        await connection.ExecuteAsync("UPDATE deployments SET active = @active WHERE workflow_id = @id AND state <> 'superseded'", new { id, active = !dag.IsPaused });
        await DeploymentEndpoints.RecordPausedInAirflowAsync(connection, id, dag.IsPaused);
        await AuditLog.WriteAsync(connection, null, user, request.Paused ? "workflow.paused" : "workflow.unpaused", id, null, time.GetUtcNow());
        return TypedResults.Ok(new PauseRequest(dag.IsPaused));
    }

    /// <summary>The Airflow task of a step (or a task id, as it is) in the run's plan.</summary>
    private static async Task<string> TaskOfAsync(NpgsqlConnection connection, Guid id, string runId, string stepOrTask) =>
        (await RunPlan.LoadAsync(connection, id, runId))?.TaskOf(stepOrTask) ?? stepOrTask;
}
