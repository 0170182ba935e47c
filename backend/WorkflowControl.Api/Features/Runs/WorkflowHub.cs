using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// Live updates of one workflow for the browsers that show it. Every method checks the caller's role on that
/// workflow; one the caller may not see fails exactly like one that does not exist.
/// </summary>
public sealed class WorkflowHub(NpgsqlDataSource database, IRunWatchList watchList, IRunTrackerSignal tracker) : Hub
{
    public const string Path = "/hubs/workflows";
    public const string NotFound = "No workflow with that id exists, or you do not have access to it.";

    private static readonly ConcurrentDictionary<string, ConcurrentBag<IDisposable>> Watches = new();

    public static string Group(Guid workflowId) => "workflow:" + workflowId.ToString("N");

    public async Task Subscribe(Guid workflowId)
    {
        await RequireAsync(workflowId, Role.View);
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(workflowId));
    }

    public Task Unsubscribe(Guid workflowId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(workflowId));

    /// <summary>Task instances are fetched only for runs someone is looking at; this says this connection is.</summary>
    public async Task WatchRun(Guid workflowId, string runId)
    {
        await RequireAsync(workflowId, Role.View);
        Watches.GetOrAdd(Context.ConnectionId, _ => []).Add(watchList.Watch(new RunKey(DagPaths.DagId(workflowId), runId)));
        tracker.PollSoon();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Watches.TryRemove(Context.ConnectionId, out var watches))
        {
            foreach (var watch in watches)
            {
                watch.Dispose();
            }
        }

        return base.OnDisconnectedAsync(exception);
    }

    private async Task RequireAsync(Guid workflowId, Role required)
    {
        await using var connection = await database.OpenConnectionAsync(Context.ConnectionAborted);
        var role = await WorkflowAccess.RoleOfAsync(connection, Context.User!.GetCaller(), workflowId);
        if (Access.Check(role, required) != AccessOutcome.Allowed)
        {
            throw new HubException(role == Role.None ? NotFound : $"This needs the '{required.ToWire()}' role on the workflow.");
        }
    }
}

/// <summary>Pushes what the tracker saved to the browsers subscribed to each workflow.</summary>
public sealed class SignalRRunNotifier(IHubContext<WorkflowHub> hub) : IRunNotifier
{
    public async Task NotifyAsync(RunPollResult result, CancellationToken ct)
    {
        foreach (var change in result.Runs)
        {
            if (PostgresRunStore.WorkflowIdOf(change.Key.DagId) is { } workflowId)
            {
                await hub.Clients.Group(WorkflowHub.Group(workflowId)).SendAsync("runChanged", new
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

        foreach (var task in result.Tasks)
        {
            if (PostgresRunStore.WorkflowIdOf(task.Run.DagId) is { } workflowId)
            {
                await hub.Clients.Group(WorkflowHub.Group(workflowId)).SendAsync("taskChanged", new
                {
                    workflowId,
                    runId = task.Run.DagRunId,
                    taskId = task.Task.TaskId,
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
