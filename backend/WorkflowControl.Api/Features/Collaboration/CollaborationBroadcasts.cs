using Microsoft.AspNetCore.SignalR;
using WorkflowControl.Api.Infrastructure.Realtime;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>The collaboration events (presence, locks), worded once for the hub and for access changes.</summary>
public static class CollaborationBroadcasts
{
    public static Task PresenceAsync(IHubClients<IClientProxy> clients, Guid workflowId, IReadOnlyList<Participant> participants) =>
        clients.Group(WorkflowGroups.Of(workflowId)).SendAsync("presenceChanged", new { workflowId, participants });

    public static Task LockAsync(IHubClients<IClientProxy> clients, Guid workflowId, string nodeId, NodeLock? nodeLock, string? brokenBy) =>
        clients.Group(WorkflowGroups.Of(workflowId)).SendAsync("lockChanged", new { workflowId, nodeId, @lock = nodeLock, brokenBy });

    /// <summary>Tells the workflows a connection left who is still there, and which of its locks are free again.</summary>
    public static async Task LeftAsync(IHubClients<IClientProxy> clients, CollaborationStore store, IEnumerable<Guid> workflows, IReadOnlyList<(Guid WorkflowId, string NodeId)> released)
    {
        foreach (var (workflowId, nodeId) in released)
        {
            await LockAsync(clients, workflowId, nodeId, null, brokenBy: null);
        }

        foreach (var workflowId in workflows.Distinct())
        {
            await PresenceAsync(clients, workflowId, await store.ParticipantsAsync(workflowId));
        }
    }
}

/// <summary>What other features send to a workflow's browsers goes through the hub's groups.</summary>
public sealed class HubWorkflowChannel(IHubContext<WorkflowHub> hub) : IWorkflowChannel
{
    public Task SendAsync(Guid workflowId, string message, object payload, CancellationToken ct = default) =>
        hub.Clients.Group(WorkflowGroups.Of(workflowId)).SendAsync(message, payload, ct);
}
