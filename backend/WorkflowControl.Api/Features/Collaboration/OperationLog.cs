using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>The outcome of one operation: what to answer the sender, and what (if anything) to tell everyone.</summary>
public sealed record AppliedOperation(ApplyResult Result, Role Role, Guid? UserId = null);

/// <summary>
/// Orders and applies the operations of every editor of a workflow. The workflow row lock is the one ordering point,
/// so it holds across API instances; each accepted operation becomes a new version, recorded with its (client, seq)
/// so a replay after a reconnect is answered, not applied again.
/// </summary>
public sealed class OperationLog(NpgsqlDataSource database, WorkflowValidator validator, TimeProvider time)
{
    public const int MaxClientIdLength = 64;

    public static string? RequestProblem(OperationRequest request) =>
        string.IsNullOrWhiteSpace(request.ClientId) || request.ClientId.Length > MaxClientIdLength ? $"clientId must be 1 to {MaxClientIdLength} characters."
        : request.Seq < 0 ? "seq must be zero or more."
        : request.Op.ValueKind != JsonValueKind.Object ? "op must be an operation object." : null;

    public async Task<AppliedOperation> ApplyAsync(Guid workflowId, Caller caller, string connectionId, OperationRequest request, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var current = await connection.QuerySingleOrDefaultAsync<int?>(
            "SELECT current_version FROM workflows WHERE id = @workflowId FOR UPDATE", new { workflowId }, transaction);
        var role = current is null ? Role.None : await WorkflowAccess.RoleOfAsync(connection, caller, workflowId, transaction);
        if (Access.Check(role, Role.Edit) != AccessOutcome.Allowed)
        {
            return new AppliedOperation(ApplyResult.Refused(role == Role.None ? WorkflowHub.NotFound : "Editing needs the 'edit' role on this workflow."), role);
        }

        var earlier = await connection.QuerySingleOrDefaultAsync<int?>(
            "SELECT version FROM workflow_operations WHERE workflow_id = @workflowId AND client_id = @clientId AND client_seq = @seq",
            new { workflowId, clientId = request.ClientId, seq = request.Seq }, transaction);
        if (earlier is { } version)
        {
            return new AppliedOperation(new ApplyResult(true, version, Duplicate: true, Changed: true, null), role);
        }

        var now = time.GetUtcNow();
        var operation = JsonNode.Parse(request.Op.GetRawText());
        if (await LockedByOthersAsync(connection, transaction, workflowId, connectionId, operation, now) is { } locked)
        {
            return new AppliedOperation(ApplyResult.Refused(locked), role);
        }

        var before = Live(JsonNode.Parse(await connection.ExecuteScalarAsync<string>(
            "SELECT document::text FROM workflow_versions WHERE workflow_id = @workflowId AND version = @current",
            new { workflowId, current }, transaction) ?? "{}")!.AsObject());
        var outcome = WorkflowOperations.Apply(before, operation);
        if (!outcome.Accepted)
        {
            return new AppliedOperation(ApplyResult.Refused(outcome.Refusal!), role);
        }

        if (JsonNode.DeepEquals(before, outcome.Document))
        {
            // Nothing changed (the same value set twice): no version, nothing to tell anyone.
            return new AppliedOperation(new ApplyResult(true, current, Duplicate: false, Changed: false, null), role);
        }

        var json = outcome.Document!.ToJsonString(WorkflowJson.Options);
        var draft = validator.ValidateDraft(JsonSerializer.Deserialize<JsonElement>(json));
        if (draft.Document is null)
        {
            var problem = draft.Problems[0];
            return new AppliedOperation(ApplyResult.Refused($"That change would break the workflow: {problem.Message}"), role);
        }

        var next = current!.Value + 1;
        await WorkflowRows.AppendVersionAsync(connection, transaction, workflowId, next, draft.Document, caller.UserId, now, json);
        await connection.ExecuteAsync(
            """
            INSERT INTO workflow_operations (workflow_id, version, client_id, client_seq, user_id, operation, applied_at)
            VALUES (@workflowId, @next, @clientId, @seq, @userId, @op::jsonb, @now)
            """,
            new { workflowId, next, clientId = request.ClientId, seq = request.Seq, userId = caller.UserId, op = request.Op.GetRawText(), now = now.UtcDateTime },
            transaction);
        await transaction.CommitAsync(ct);
        return new AppliedOperation(new ApplyResult(true, next, Duplicate: false, Changed: true, null), role, caller.UserId);
    }

    /// <summary>
    /// The document as editors hold it: a workflow stored without a layout (pushed by the CLI) gets an empty one,
    /// so the server and every browser apply operations to exactly the same JSON.
    /// </summary>
    public static JsonObject Live(JsonObject document)
    {
        if (document["layout"] is not JsonObject)
        {
            document["layout"] = new JsonObject { ["nodes"] = new JsonObject() };
        }

        return document;
    }

    /// <summary>Changing a node's config or id while someone else holds its edit lock is refused, with who holds it.</summary>
    private static async Task<string?> LockedByOthersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workflowId, string connectionId, JsonNode? operation, DateTimeOffset now)
    {
        var nodes = WorkflowOperations.NodesAnEditLockProtects(operation);
        if (nodes.Count == 0)
        {
            return null;
        }

        var locks = await connection.QueryAsync<(string NodeId, string ConnectionId, DateTime ExpiresAt, string DisplayName)>(
            """
            SELECT l.node_id, l.connection_id, l.expires_at, u.display_name FROM node_locks l JOIN users u ON u.id = l.user_id
            WHERE l.workflow_id = @workflowId AND l.node_id = ANY(@nodes)
            """,
            new { workflowId, nodes = nodes.ToArray() }, transaction);
        var holder = locks.FirstOrDefault(l => Presence.BlocksOthers(new DateTimeOffset(DateTime.SpecifyKind(l.ExpiresAt, DateTimeKind.Utc)), l.ConnectionId, connectionId, now));
        return holder.NodeId is null ? null : $"{holder.DisplayName} is editing step \"{holder.NodeId}\"; wait until they close it.";
    }
}
