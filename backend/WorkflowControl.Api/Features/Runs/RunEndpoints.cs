using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Runs;

public sealed record TriggerRequest(Dictionary<string, JsonElement>? Params = null);

public sealed record TriggeredRun(string RunId, string State);

public sealed record RunSummaryItem(string RunId, string State, string RunType, Guid? TriggeredBy, int? Version,
    DateTimeOffset? LogicalDate, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

public sealed record RunPage(IReadOnlyList<RunSummaryItem> Items, int Total);

public sealed record TaskRunState(string TaskId, string? State, int TryNumber, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, double? DurationSeconds);

/// <summary>A run with Airflow's task instances (<paramref name="Tasks"/>) and each step's state (<paramref name="Steps"/>, see <see cref="StepStates"/>).</summary>
public sealed record RunDetail(string RunId, string State, string RunType, Guid? TriggeredBy, int? Version,
    DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, JsonObject? Params, IReadOnlyList<TaskRunState> Tasks, IReadOnlyList<StepRunState> Steps);

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
        workflow.MapGet("/runs", List).RequireWorkflowRole(Role.View).WithName("ListRuns");
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
        CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
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

        var retryAfter = DeploymentFollower.IntervalOf(configuration);
        if (TriggerRefusal(deployment.Version, deployment.State, DeploymentStates.ShownMessage(deployment.State, deployment.Message, deployment.File)) is { } refusal)
        {
            return Refuse(refusal, response, retryAfter);
        }

        var now = time.GetUtcNow();
        var runId = $"wfc_{now:yyyyMMdd'T'HHmmss'Z'}_{Guid.NewGuid().ToString("N")[..8]}";
        WorkflowControl.Api.Infrastructure.Telemetry.ApiTelemetry.Tag(id, runId);
        // Stored before Airflow hears of it: whatever happens to the request, this id names the one run it can create.
        await connection.ExecuteAsync(
            """
            INSERT INTO runs (workflow_id, dag_run_id, version, params, state, triggered_by, created_at, updated_at)
            VALUES (@id, @runId, @version, @conf::jsonb, 'pending', @user, @now, @now)
            """,
            new { id, runId, version, conf = conf.ToJsonString(), user = user.GetCaller().UserId, now = now.UtcDateTime });
        await AuditLog.WriteAsync(connection, null, user, "run.triggered", id, new { runId, version }, now);

        AirflowDagRun run;
        try
        {
            run = await airflow.TriggerDagRunAsync(DagPaths.DagId(id), runId, conf, ct);
        }
        catch (AirflowUnavailableException)
        {
            // Still pending: the tracker triggers it with the same run id once Airflow answers again.
            tracker.PollSoon();
            return TypedResults.Accepted($"/workflows/{id}/runs/{runId}", new TriggeredRun(runId, WorkflowControl.Airflow.Tracking.TrackedRunStates.Pending));
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

        await SetStateAsync(connection, id, runId, run.State, null, time);
        tracker.PollSoon();
        return TypedResults.Accepted($"/workflows/{id}/runs/{runId}", new TriggeredRun(runId, run.State));
    }

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

    public static async Task<Results<Ok<RunPage>, ProblemHttpResult>> List(
        Guid id, NpgsqlDataSource database, IAirflowClient airflow, CancellationToken ct, int offset = 0, int limit = 50)
    {
        if (offset < 0 || limit is < 1 or > 100)
        {
            return Problems.BadRequest("offset must be 0 or more and limit between 1 and 100.");
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        AirflowPage<AirflowDagRun> page;
        try
        {
            page = await airflow.ListDagRunsAsync(DagPaths.DagId(id), new AirflowPaging(offset, limit), ct);
        }
        catch (AirflowNotFoundException)
        {
            // Airflow does not know the DAG yet (never deployed, or not parsed yet): no runs, not an error.
            return TypedResults.Ok(new RunPage([], 0));
        }

        var ours = (await connection.QueryAsync<(string DagRunId, Guid? TriggeredBy, int? Version)>(
            "SELECT dag_run_id, triggered_by, version FROM runs WHERE workflow_id = @id AND dag_run_id = ANY(@ids)",
            new { id, ids = page.Items.Select(r => r.DagRunId).ToArray() })).ToDictionary(r => r.DagRunId);
        var items = page.Items.Select(r =>
        {
            ours.TryGetValue(r.DagRunId, out var local);
            return new RunSummaryItem(r.DagRunId, r.State, r.RunType, local.TriggeredBy, local.Version, r.LogicalDate, r.StartDate, r.EndDate);
        }).ToList();
        return TypedResults.Ok(new RunPage(items, page.TotalEntries));
    }

    public static async Task<Results<Ok<RunDetail>, ProblemHttpResult>> Get(
        Guid id, string runId, NpgsqlDataSource database, IAirflowClient airflow, StepRecords records, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var dagId = DagPaths.DagId(id);
        var run = await airflow.GetDagRunAsync(dagId, runId, ct);
        if (run is null)
        {
            return Problems.NotFound("run");
        }

        var tasks = await airflow.ListTaskInstancesAsync(dagId, runId, ct);
        var local = await connection.QuerySingleOrDefaultAsync<(Guid? TriggeredBy, int? Version)>(
            "SELECT triggered_by, version FROM runs WHERE workflow_id = @id AND dag_run_id = @runId", new { id, runId });
        var plan = await RunPlan.LoadAsync(connection, id, runId);
        var steps = StepStates.Of(plan?.Groups, tasks, group => records.Read(plan!.OwnerId, id, runId, group.TaskId));
        return TypedResults.Ok(new RunDetail(run.DagRunId, run.State, run.RunType, local.TriggeredBy, local.Version, run.StartDate, run.EndDate, run.Conf,
            tasks.Select(t => new TaskRunState(t.TaskId, t.State, t.TryNumber, t.StartDate, t.EndDate, t.Duration)).ToList(), steps));
    }

    public static async Task<Results<Ok<TaskLog>, ProblemHttpResult>> Logs(
        Guid id, string runId, string taskId, NpgsqlDataSource database, IAirflowClient airflow, CancellationToken ct,
        int? @try = null, string? token = null)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var dagId = DagPaths.DagId(id);
        var task = await TaskOfAsync(connection, id, runId, taskId);
        var tryNumber = @try ?? (await airflow.ListTaskInstancesAsync(dagId, runId, ct)).FirstOrDefault(t => t.TaskId == task)?.TryNumber ?? 1;
        var chunk = await airflow.GetTaskLogAsync(dagId, runId, task, Math.Max(tryNumber, 1), token, ct);
        return TypedResults.Ok(new TaskLog(task, chunk.Content, chunk.ContinuationToken, chunk.EndOfLog));
    }

    public static async Task<Results<Ok<TriggeredRun>, ProblemHttpResult>> Cancel(
        Guid id, string runId, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var run = await airflow.MarkDagRunFailedAsync(DagPaths.DagId(id), runId, ct);
        await SetStateAsync(connection, id, runId, run.State, "cancelled", time);
        await AuditLog.WriteAsync(connection, null, user, "run.cancelled", id, new { runId }, time.GetUtcNow());
        return TypedResults.Ok(new TriggeredRun(run.DagRunId, run.State));
    }

    public static async Task<Results<Ok<List<string>>, ProblemHttpResult>> Retry(
        Guid id, string runId, string taskId, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        // Retrying a step of a fused group runs the group again: its steps share one Airflow task.
        var task = await TaskOfAsync(connection, id, runId, taskId);
        var cleared = await airflow.ClearTaskAsync(DagPaths.DagId(id), runId, task, ct);
        await AuditLog.WriteAsync(connection, null, user, "run.task_retried", id, new { runId, taskId = task, step = task == taskId ? null : taskId, cleared }, time.GetUtcNow());
        return TypedResults.Ok(cleared.ToList());
    }

    public static async Task<Results<Ok<PauseRequest>, ProblemHttpResult>> Pause(
        Guid id, PauseRequest request, ClaimsPrincipal user, NpgsqlDataSource database, IAirflowClient airflow, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var dag = await airflow.SetPausedAsync(DagPaths.DagId(id), request.Paused, ct);
        // Remembered on the deployment so the dashboard shows a next run only for workflows Airflow will schedule.
        await connection.ExecuteAsync("UPDATE deployments SET active = @active WHERE workflow_id = @id AND state <> 'superseded'", new { id, active = !dag.IsPaused });
        await AuditLog.WriteAsync(connection, null, user, request.Paused ? "workflow.paused" : "workflow.unpaused", id, null, time.GetUtcNow());
        return TypedResults.Ok(new PauseRequest(dag.IsPaused));
    }

    /// <summary>The Airflow task of a step (or a task id, as it is) in the run's plan.</summary>
    private static async Task<string> TaskOfAsync(NpgsqlConnection connection, Guid id, string runId, string stepOrTask) =>
        (await RunPlan.LoadAsync(connection, id, runId))?.TaskOf(stepOrTask) ?? stepOrTask;

    private static Task SetStateAsync(NpgsqlConnection connection, Guid id, string runId, string state, string? message, TimeProvider time) =>
        connection.ExecuteAsync(
            "UPDATE runs SET state = @state, message = coalesce(@message, message), updated_at = @now WHERE workflow_id = @id AND dag_run_id = @runId",
            new { id, runId, state, message, now = time.GetUtcNow().UtcDateTime });
}
