using Dapper;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Realtime;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>Presence and edit locks in PostgreSQL, so every API instance sees the same ones.</summary>
public sealed class CollaborationStore(NpgsqlDataSource database, LiveConnections live, Microsoft.Extensions.Options.IOptions<CollaborationOptions> options, TimeProvider time)
    : IInstanceRows
{
    private sealed record SessionRow(string ConnectionId, Guid UserId, string DisplayName, string? SelectedNode);

    private sealed record LockRow(string NodeId, Guid UserId, string DisplayName, string ConnectionId, DateTime ExpiresAt);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private DateTime SessionCutoff => Now.AddSeconds(-options.Value.SessionTimeoutSeconds);

    public static Participant ToParticipant(string connectionId, Guid userId, string displayName, string? selectedNode) =>
        new(connectionId, userId, displayName, Presence.InitialsOf(displayName), Presence.ColourOf(userId), selectedNode);

    public async Task<Participant> JoinAsync(Guid workflowId, Guid userId, string connectionId)
    {
        await using var connection = await database.OpenConnectionAsync();
        var name = await connection.ExecuteScalarAsync<string>(
            """
            INSERT INTO collab_sessions (connection_id, workflow_id, user_id, instance_id, joined_at, last_seen)
            VALUES (@connectionId, @workflowId, @userId, @instance, @now, @now)
            ON CONFLICT (workflow_id, connection_id) DO UPDATE SET last_seen = EXCLUDED.last_seen;
            SELECT display_name FROM users WHERE id = @userId;
            """,
            new { connectionId, workflowId, userId, instance = live.InstanceId, now = Now });
        return ToParticipant(connectionId, userId, name ?? "Someone", null);
    }

    public async Task<IReadOnlyList<Participant>> ParticipantsAsync(Guid workflowId)
    {
        await using var connection = await database.OpenConnectionAsync();
        var rows = await connection.QueryAsync<SessionRow>(
            """
            SELECT s.connection_id, s.user_id, u.display_name, s.selected_node
            FROM collab_sessions s JOIN users u ON u.id = s.user_id
            WHERE s.workflow_id = @workflowId AND s.last_seen > @cutoff ORDER BY s.joined_at
            """,
            new { workflowId, cutoff = SessionCutoff });
        return rows.Select(r => ToParticipant(r.ConnectionId, r.UserId, r.DisplayName, r.SelectedNode)).ToList();
    }

    public async Task SelectAsync(Guid workflowId, string connectionId, string? nodeId)
    {
        await using var connection = await database.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE collab_sessions SET selected_node = @nodeId, last_seen = @now WHERE workflow_id = @workflowId AND connection_id = @connectionId",
            new { workflowId, connectionId, nodeId, now = Now });
    }

    /// <summary>Ends a connection's presence in one workflow (or in all, with a null id); returns the locks it let go.</summary>
    public async Task<IReadOnlyList<(Guid WorkflowId, string NodeId)>> LeaveAsync(string connectionId, Guid? workflowId)
    {
        await using var connection = await database.OpenConnectionAsync();
        var released = await connection.QueryAsync<(Guid, string)>(
            """
            DELETE FROM collab_sessions WHERE connection_id = @connectionId AND (@workflowId::uuid IS NULL OR workflow_id = @workflowId);
            DELETE FROM node_locks WHERE connection_id = @connectionId AND (@workflowId::uuid IS NULL OR workflow_id = @workflowId)
            RETURNING workflow_id, node_id;
            """,
            new { connectionId, workflowId });
        return released.ToList();
    }

    /// <summary>Lets go of a connection's locks in one workflow (its holder may no longer edit); returns the nodes freed.</summary>
    public async Task<IReadOnlyList<(Guid WorkflowId, string NodeId)>> ReleaseLocksAsync(string connectionId, Guid workflowId)
    {
        await using var connection = await database.OpenConnectionAsync();
        return (await connection.QueryAsync<(Guid, string)>(
            "DELETE FROM node_locks WHERE connection_id = @connectionId AND workflow_id = @workflowId RETURNING workflow_id, node_id",
            new { connectionId, workflowId })).ToList();
    }

    /// <summary>The sessions of one user in one workflow, on any instance.</summary>
    public async Task<IReadOnlyList<string>> ConnectionsOfAsync(Guid workflowId, Guid userId)
    {
        await using var connection = await database.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(
            "SELECT connection_id FROM collab_sessions WHERE workflow_id = @workflowId AND user_id = @userId", new { workflowId, userId })).ToList();
    }

    public async Task<IReadOnlyList<NodeLock>> LocksAsync(Guid workflowId)
    {
        await using var connection = await database.OpenConnectionAsync();
        var rows = await connection.QueryAsync<LockRow>(
            """
            SELECT l.node_id, l.user_id, u.display_name, l.connection_id, l.expires_at
            FROM node_locks l JOIN users u ON u.id = l.user_id
            WHERE l.workflow_id = @workflowId AND l.expires_at > @now ORDER BY l.node_id
            """,
            new { workflowId, now = Now });
        return rows.Select(ToLock).ToList();
    }

    /// <summary>Takes or renews the lease; returns the lock as it now stands and whether the caller holds it.</summary>
    public async Task<LockResult> LockAsync(Guid workflowId, string nodeId, Guid userId, string connectionId)
    {
        await using var connection = await database.OpenConnectionAsync();
        var now = Now;
        var granted = await connection.ExecuteAsync(
            """
            INSERT INTO node_locks (workflow_id, node_id, user_id, connection_id, expires_at)
            VALUES (@workflowId, @nodeId, @userId, @connectionId, @expires)
            ON CONFLICT (workflow_id, node_id) DO UPDATE
                SET user_id = EXCLUDED.user_id, connection_id = EXCLUDED.connection_id, expires_at = EXCLUDED.expires_at
                WHERE node_locks.expires_at <= @now OR node_locks.connection_id = EXCLUDED.connection_id
            """,
            new { workflowId, nodeId, userId, connectionId, now, expires = now.AddSeconds(options.Value.LockLeaseSeconds) }) == 1;
        var current = (await LocksAsync(workflowId)).FirstOrDefault(l => l.NodeId == nodeId);
        return new LockResult(granted, current);
    }

    /// <summary>Removes a lock: the holder's own (<paramref name="onlyConnection"/> set) or anyone's (a manager breaking it).</summary>
    public async Task<NodeLock?> UnlockAsync(Guid workflowId, string nodeId, string? onlyConnection)
    {
        await using var connection = await database.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<LockRow>(
            """
            WITH gone AS (
                DELETE FROM node_locks WHERE workflow_id = @workflowId AND node_id = @nodeId AND (@onlyConnection::text IS NULL OR connection_id = @onlyConnection)
                RETURNING node_id, user_id, connection_id, expires_at)
            SELECT g.node_id, g.user_id, u.display_name, g.connection_id, g.expires_at FROM gone g JOIN users u ON u.id = g.user_id
            """,
            new { workflowId, nodeId, onlyConnection });
        return row is null ? null : ToLock(row);
    }

    /// <summary>Keeps this instance's sessions alive and forgets those of instances that stopped.</summary>
    public async Task RenewAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(
            """
            UPDATE collab_sessions SET last_seen = @now WHERE instance_id = @instance;
            DELETE FROM collab_sessions WHERE last_seen <= @cutoff;
            DELETE FROM node_locks WHERE expires_at <= @now;
            """,
            new { instance = live.InstanceId, now = Now, cutoff = SessionCutoff });
    }

    public async Task ForgetInstanceAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(
            """
            DELETE FROM node_locks WHERE connection_id IN (SELECT connection_id FROM collab_sessions WHERE instance_id = @instance);
            DELETE FROM collab_sessions WHERE instance_id = @instance;
            """,
            new { instance = live.InstanceId });
    }

    private NodeLock ToLock(LockRow r) =>
        new(r.NodeId, r.UserId, r.DisplayName, r.ConnectionId, (long)Math.Max(0, (DateTime.SpecifyKind(r.ExpiresAt, DateTimeKind.Utc) - Now).TotalMilliseconds));
}
