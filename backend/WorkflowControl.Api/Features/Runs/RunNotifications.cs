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
        foreach (var change in result.Runs)
        {
            if (DagPaths.WorkflowIdOf(change.Key.DagId) is { } workflowId)
            {
                await channel.SendAsync(workflowId, "runChanged", new
                {
                    workflowId,
                    runId = change.Key.DagRunId,
                    kind = change.Kind.ToString(),
                    oldState = change.OldState,
                    state = change.NewState,
                    runType = change.Run?.RunType,
                    startedAt = change.Run?.StartDate,
                    endedAt = change.Run?.EndDate,
                    error = change.Error,
                }, ct);
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
}

/// <summary>Stands in for the tracker when tracking is switched off (Airflow:Tracking:Enabled=false).</summary>
public sealed class NoTrackerSignal : IRunTrackerSignal
{
    public void PollSoon()
    {
    }
}
