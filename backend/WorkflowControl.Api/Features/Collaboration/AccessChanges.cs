using Dapper;
using Microsoft.AspNetCore.SignalR;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>
/// When a collaborator's role changes, their open editors learn it at once; a collaborator who lost access is
/// taken out of the workflow's group, loses their locks, and their connections on this instance are closed.
/// </summary>
public sealed class AccessChanges(IHubContext<WorkflowHub> hub, CollaborationStore store, LiveConnections live, NpgsqlDataSource database, ILogger<AccessChanges> logger)
{
    /// <summary>A member's role in an organisation changed, or they left it: every open editor of its workflows is checked.</summary>
    public async Task OrganisationRoleChangedAsync(Guid organisationId, Guid userId)
    {
        List<Guid> workflows;
        await using (var connection = await database.OpenConnectionAsync())
        {
            workflows = (await connection.QueryAsync<Guid>(
                """
                SELECT DISTINCT s.workflow_id FROM collab_sessions s JOIN workflows w ON w.id = s.workflow_id
                WHERE s.user_id = @userId AND w.organisation_id = @organisationId
                """,
                new { userId, organisationId })).ToList();
        }

        foreach (var workflowId in workflows)
        {
            await RoleChangedAsync(workflowId, userId);
        }
    }

    public async Task RoleChangedAsync(Guid workflowId, Guid userId)
    {
        var connections = await store.ConnectionsOfAsync(workflowId, userId);
        if (connections.Count == 0)
        {
            return;
        }

        Role role;
        await using (var connection = await database.OpenConnectionAsync())
        {
            role = await WorkflowAccess.RoleOfAsync(connection, new Caller(userId), workflowId);
        }

        if (role != Role.None)
        {
            await hub.Clients.Clients(connections).SendAsync("roleChanged", new { workflowId, role = role.ToWire() });
            if (Access.Check(role, Role.Edit) != AccessOutcome.Allowed)
            {
                var freed = new List<(Guid, string)>();
                foreach (var connectionId in connections)
                {
                    freed.AddRange(await store.ReleaseLocksAsync(connectionId, workflowId));
                }

                await CollaborationBroadcasts.LeftAsync(hub.Clients, store, [], freed);
            }

            return;
        }

        var released = new List<(Guid, string)>();
        foreach (var connectionId in connections)
        {
            await hub.Groups.RemoveFromGroupAsync(connectionId, WorkflowGroups.Of(workflowId));
            released.AddRange(await store.LeaveAsync(connectionId, workflowId));
        }

        await hub.Clients.Clients(connections).SendAsync("accessRevoked", new { workflowId });
        foreach (var connectionId in connections)
        {
            if (live.Find(connectionId) is { } local)
            {
                local.Joined.TryRemove(workflowId, out _);
                local.Context.Abort();
            }
        }

        logger.LogInformation("Closed {Count} editor connection(s) of user {UserId} on workflow {WorkflowId}: access revoked", connections.Count, userId, workflowId);
        await CollaborationBroadcasts.LeftAsync(hub.Clients, store, [workflowId], released);
    }
}
