using Dapper;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// Pushes what the tracker saved to the browsers subscribed to each workflow. A task's change names the steps it
/// runs (<see cref="RunPlan"/>), so the canvas lights every step of a fused group at once.
/// </summary>
public sealed class LiveRunNotifier(IWorkflowChannel channel, NpgsqlDataSource database) : IRunNotifier
{
    public async Task NotifyAsync(RunPollResult result, CancellationToken ct)
    {
        // Airflow knows a cancelled run only as failed: the browser hears the word the run list and the dashboard use.
        var cancelled = await CancelledAsync(result.Runs.Select(c => c.Key).ToList(), ct);
        foreach (var change in result.Runs)
        {
            if (DagPaths.WorkflowIdOf(change.Key.DagId) is { } workflowId)
            {
                await SendRunChangedAsync(channel, workflowId, change.Key.DagRunId, change.Kind.ToString(), change.OldState,
                    cancelled.Contains(change.Key) ? RunStates.Cancelled : change.NewState, change.Run, change.Error, ct);
            }
        }

        var plans = new Dictionary<RunKey, RunPlan?>();
        foreach (var task in result.Tasks)
        {
            if (DagPaths.WorkflowIdOf(task.Run.DagId) is { } workflowId)
            {
                if (!plans.TryGetValue(task.Run, out var plan))
                {
                    await using var connection = await database.OpenConnectionAsync(ct);
                    plans[task.Run] = plan = await RunPlan.LoadAsync(connection, workflowId, task.Run.DagRunId);
                }

                await channel.SendAsync(workflowId, "taskChanged", new
                {
                    workflowId,
                    runId = task.Run.DagRunId,
                    taskId = task.Task.TaskId,
                    steps = plan?.StepsOf(task.Task.TaskId) ?? [task.Task.TaskId],
                    oldState = task.OldState,
                    state = task.Task.State,
                    tryNumber = task.Task.TryNumber,
                    startedAt = task.Task.StartDate,
                    endedAt = task.Task.EndDate,
                    durationSeconds = task.Task.Duration,
                }, ct);
            }
        }
    }

    /// <summary>The <c>runChanged</c> event browsers subscribed to the workflow get, from the tracker or from a cancel.</summary>
    public static Task SendRunChangedAsync(IWorkflowChannel channel, Guid workflowId, string runId, string kind, string? oldState, string state,
        AirflowDagRun? run, string? error, CancellationToken ct) =>
        channel.SendAsync(workflowId, "runChanged", new
        {
            workflowId,
            runId,
            kind,
            oldState,
            state,
            runType = run?.RunType,
            startedAt = run?.StartDate,
            endedAt = run?.EndDate,
            error,
        }, ct);

    private async Task<HashSet<RunKey>> CancelledAsync(IReadOnlyList<RunKey> runs, CancellationToken ct)
    {
        var keys = runs.Select(r => (Workflow: DagPaths.WorkflowIdOf(r.DagId), r.DagRunId)).Where(k => k.Workflow is not null).ToList();
        if (keys.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid WorkflowId, string DagRunId)>(
            """
            SELECT r.workflow_id, r.dag_run_id FROM runs r JOIN unnest(@workflows, @runIds) AS k(w, id) ON r.workflow_id = k.w AND r.dag_run_id = k.id
            WHERE r.cancelled_at IS NOT NULL
            """,
            new { workflows = keys.Select(k => k.Workflow!.Value).ToArray(), runIds = keys.Select(k => k.DagRunId).ToArray() });
        return [.. rows.Select(r => new RunKey(DagPaths.DagId(r.WorkflowId), r.DagRunId))];
    }
}

/// <summary>Stands in for the tracker when tracking is switched off (Airflow:Tracking:Enabled=false).</summary>
public sealed class NoTrackerSignal : IRunTrackerSignal
{
    public void PollSoon()
    {
    }
}
