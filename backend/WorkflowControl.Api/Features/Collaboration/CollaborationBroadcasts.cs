using Microsoft.AspNetCore.SignalR;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>The collaboration events, worded once for the hub and for the REST endpoints that affect editors.</summary>
public static class CollaborationBroadcasts
{
    public static Task PresenceAsync(IHubClients<IClientProxy> clients, Guid workflowId, IReadOnlyList<Participant> participants) =>
        clients.Group(WorkflowHub.Group(workflowId)).SendAsync("presenceChanged", new { workflowId, participants });

    public static Task LockAsync(IHubClients<IClientProxy> clients, Guid workflowId, string nodeId, NodeLock? nodeLock, string? brokenBy) =>
        clients.Group(WorkflowHub.Group(workflowId)).SendAsync("lockChanged", new { workflowId, nodeId, @lock = nodeLock, brokenBy });

    /// <summary>A version that did not come from an operation (a save through the API, a restore): editors join again.</summary>
    public static Task DocumentChangedAsync(IHubClients<IClientProxy> clients, Guid workflowId, int version) =>
        clients.Group(WorkflowHub.Group(workflowId)).SendAsync("documentChanged", new { workflowId, version });

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
