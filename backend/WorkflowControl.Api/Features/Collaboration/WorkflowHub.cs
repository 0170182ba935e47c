using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>
/// The live side of a workflow for the browsers that show it: run updates, and collaboration (presence, cursors,
/// edit locks, operations; docs/collaboration.md). Every method checks the caller's role on that workflow; one the
/// caller may not see fails exactly like one that does not exist.
/// </summary>
public sealed class WorkflowHub(
    NpgsqlDataSource database, IRunWatchList watchList, IRunTrackerSignal tracker, LiveConnections live, CollaborationStore store, OperationLog operations) : Hub
{
    public const string Path = "/hubs/workflows";
    public const string NotFound = "No workflow with that id exists, or you do not have access to it.";
    public const int MaxNodeIdLength = 64;

    public override Task OnConnectedAsync()
    {
        live.Add(Context);
        return base.OnConnectedAsync();
    }

    public async Task Subscribe(Guid workflowId)
    {
        await RequireAsync(workflowId, Role.View);
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkflowGroups.Of(workflowId));
    }

    public Task Unsubscribe(Guid workflowId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, WorkflowGroups.Of(workflowId));

    /// <summary>Task instances are fetched only for runs someone is looking at; this says this connection is.</summary>
    public async Task WatchRun(Guid workflowId, string runId)
    {
        await RequireAsync(workflowId, Role.View);
        // In PostgreSQL: the instance that polls Airflow may not be this one.
        await watchList.WatchAsync(Context.ConnectionId, new RunKey(DagPaths.DagId(workflowId), runId), Context.ConnectionAborted);
        tracker.PollSoon();
    }

    /// <summary>Enters the workflow's editor: the group first, then the snapshot, so no operation falls in between.</summary>
    public async Task<JoinResult> Join(Guid workflowId)
    {
        Throttle();
        var role = await RequireAsync(workflowId, Role.View);
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkflowGroups.Of(workflowId));
        var you = await store.JoinAsync(workflowId, Context.User!.GetCaller().UserId, Context.ConnectionId);
        Connection.Joined[workflowId] = you;
        await using var connection = await database.OpenConnectionAsync(Context.ConnectionAborted);
        var detail = await WorkflowRows.DetailAsync(connection, workflowId, role) ?? throw new HubException(NotFound);
        var participants = await store.ParticipantsAsync(workflowId);
        await CollaborationBroadcasts.PresenceAsync(Clients, workflowId, participants);
        var document = JsonSerializer.SerializeToElement(OperationLog.Live(JsonNode.Parse(detail.Document.GetRawText())!.AsObject()));
        return new JoinResult(workflowId, detail.Version, role.ToWire(), document, you, participants, await store.LocksAsync(workflowId));
    }

    public async Task Leave(Guid workflowId)
    {
        Connection.Joined.TryRemove(workflowId, out _);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, WorkflowGroups.Of(workflowId));
        var released = await store.LeaveAsync(Context.ConnectionId, workflowId);
        await CollaborationBroadcasts.LeftAsync(Clients, store, [workflowId], released);
    }

    /// <summary>Relayed, never stored; beyond the per-connection rate the extra positions are dropped.</summary>
    public async Task MoveCursor(Guid workflowId, double x, double y)
    {
        var you = Joined(workflowId);
        if (!Connection.Cursors.TryTake() || !double.IsFinite(x) || !double.IsFinite(y))
        {
            return;
        }

        await Clients.OthersInGroup(WorkflowGroups.Of(workflowId)).SendAsync("cursorMoved", new
        {
            workflowId, connectionId = Context.ConnectionId, userId = you.UserId, displayName = you.DisplayName, colour = you.Colour, x, y,
        });
    }

    public async Task Select(Guid workflowId, string? nodeId)
    {
        Throttle();
        var you = Joined(workflowId);
        nodeId = NodeIdOrNull(nodeId);
        await store.SelectAsync(workflowId, Context.ConnectionId, nodeId);
        Connection.Joined[workflowId] = you with { SelectedNode = nodeId };
        await CollaborationBroadcasts.PresenceAsync(Clients, workflowId, await store.ParticipantsAsync(workflowId));
    }

    public async Task<LockResult> Lock(Guid workflowId, string nodeId)
    {
        Throttle();
        await RequireAsync(workflowId, Role.Edit);
        var result = await store.LockAsync(workflowId, NodeId(nodeId), Context.User!.GetCaller().UserId, Context.ConnectionId);
        if (result.Granted)
        {
            await CollaborationBroadcasts.LockAsync(Clients, workflowId, nodeId, result.Lock, brokenBy: null);
        }

        return result;
    }

    public async Task ReleaseLock(Guid workflowId, string nodeId)
    {
        Throttle();
        Joined(workflowId);
        if (await store.UnlockAsync(workflowId, NodeId(nodeId), Context.ConnectionId) is not null)
        {
            await CollaborationBroadcasts.LockAsync(Clients, workflowId, nodeId, null, brokenBy: null);
        }
    }

    /// <summary>A manager takes a node back from someone who left it locked.</summary>
    public async Task BreakLock(Guid workflowId, string nodeId)
    {
        Throttle();
        await RequireAsync(workflowId, Role.Manage);
        if (await store.UnlockAsync(workflowId, NodeId(nodeId), onlyConnection: null) is not null)
        {
            var by = Connection.Joined.TryGetValue(workflowId, out var you) ? you.DisplayName : "A manager";
            await CollaborationBroadcasts.LockAsync(Clients, workflowId, nodeId, null, brokenBy: by);
        }
    }

    public async Task<ApplyResult> Apply(Guid workflowId, OperationRequest request)
    {
        // Not rate-limited: SignalR runs one invocation per connection at a time, so a client cannot send operations
        // faster than they are applied, and refusing one for speed would throw the user's edit away.
        if (OperationLog.RequestProblem(request) is { } problem)
        {
            return ApplyResult.Refused(problem);
        }

        var caller = Context.User!.GetCaller();
        var applied = await operations.ApplyAsync(workflowId, caller, Context.ConnectionId, request);
        if (applied.Role == Role.None)
        {
            throw new HubException(NotFound);
        }

        if (applied.Announce)
        {
            await Clients.Group(WorkflowGroups.Of(workflowId)).SendAsync("operationApplied", new
            {
                workflowId, version = applied.Result.Version, clientId = request.ClientId, seq = request.Seq, userId = caller.UserId, op = request.Op,
            });
        }

        return applied.Result;
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var joined = live.Find(Context.ConnectionId)?.Joined.Keys.ToList() ?? [];
        live.Remove(Context.ConnectionId);
        try
        {
            await watchList.ForgetAsync(Context.ConnectionId);
            var released = await store.LeaveAsync(Context.ConnectionId, workflowId: null);
            await CollaborationBroadcasts.LeftAsync(Clients, store, joined, released);
        }
        catch (ObjectDisposedException)
        {
            // The server is shutting down and closed this connection after its database pool: the presence rows and
            // leases of this instance expire by themselves (Collaboration:SessionTimeoutSeconds).
        }

        await base.OnDisconnectedAsync(exception);
    }

    private LiveConnection Connection => live.Find(Context.ConnectionId) ?? live.Add(Context);

    /// <summary>Cheap membership check for frequent calls: the role was checked when this connection joined.</summary>
    private Participant Joined(Guid workflowId) =>
        Connection.Joined.TryGetValue(workflowId, out var you) ? you : throw new HubException(NotFound);

    private void Throttle()
    {
        if (!Connection.Calls.TryTake())
        {
            throw new HubException("Too many requests from this editor; slow down and try again.");
        }
    }

    private static string NodeId(string? nodeId) =>
        NodeIdOrNull(nodeId) ?? throw new HubException("A node id is needed.");

    private static string? NodeIdOrNull(string? nodeId) =>
        string.IsNullOrEmpty(nodeId) ? null
        : nodeId.Length > MaxNodeIdLength ? throw new HubException($"Node ids have at most {MaxNodeIdLength} characters.")
        : nodeId;

    private async Task<Role> RequireAsync(Guid workflowId, Role required)
    {
        await using var connection = await database.OpenConnectionAsync(Context.ConnectionAborted);
        var role = await WorkflowAccess.RoleOfAsync(connection, Context.User!.GetCaller(), workflowId);
        return Access.Check(role, required) == AccessOutcome.Allowed
            ? role
            : throw new HubException(role == Role.None ? NotFound : $"This needs the '{required.ToWire()}' role on the workflow.");
    }
}
