using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>The answer to one operation and the caller's role (None: the workflow is gone or hidden from them).</summary>
public sealed record AppliedOperation(ApplyResult Result, Role Role)
{
    /// <summary>Only an operation that made a new version is announced; a replay or a no-op was announced before or never.</summary>
    public bool Announce => Result is { Changed: true, Duplicate: false };
}

/// <summary>
/// Orders and applies the operations of every editor of a workflow. The workflow row lock is the one ordering point,
/// so it holds across API instances; each accepted operation becomes a new version, recorded with its (client, seq)
/// so a replay after a reconnect is answered, not applied again. Operations that arrive together are committed
/// together, so a busy workflow costs one disk flush per batch rather than per keystroke.
/// </summary>
public sealed class OperationLog(NpgsqlDataSource database, WorkflowValidator validator, TimeProvider time)
{
    public const int MaxClientIdLength = 64;

    public static string? RequestProblem(OperationRequest request) =>
        string.IsNullOrWhiteSpace(request.ClientId) || request.ClientId.Length > MaxClientIdLength ? $"clientId must be 1 to {MaxClientIdLength} characters."
        : request.Seq < 0 ? "seq must be zero or more."
        : request.Op.ValueKind != JsonValueKind.Object ? "op must be an operation object." : null;

    /// <summary>One editor's operation waiting for its turn.</summary>
    private sealed record Queued(Caller Caller, string ConnectionId, OperationRequest Request, TaskCompletionSource<AppliedOperation> Outcome);

    private sealed class WorkflowQueue
    {
        public List<Queued> Items { get; } = [];

        public bool Draining { get; set; }
    }

    private readonly ConcurrentDictionary<Guid, WorkflowQueue> _queues = new();

    /// <summary>
    /// Queues the operation behind those already waiting for the same workflow. One worker per workflow applies
    /// everything queued in one transaction (one commit, one disk flush for the lot), in arrival order.
    /// </summary>
    public Task<AppliedOperation> ApplyAsync(Guid workflowId, Caller caller, string connectionId, OperationRequest request)
    {
        var item = new Queued(caller, connectionId, request, new TaskCompletionSource<AppliedOperation>(TaskCreationOptions.RunContinuationsAsynchronously));
        var queue = _queues.GetOrAdd(workflowId, _ => new WorkflowQueue());
        lock (queue)
        {
            queue.Items.Add(item);
            if (!queue.Draining)
            {
                queue.Draining = true;
                _ = Task.Run(() => DrainAsync(workflowId, queue));
            }
        }

        return item.Outcome.Task;
    }

    private async Task DrainAsync(Guid workflowId, WorkflowQueue queue)
    {
        while (true)
        {
            List<Queued> batch;
            lock (queue)
            {
                if (queue.Items.Count == 0)
                {
                    queue.Draining = false;
                    // Forget idle workflows. A caller that fetched this queue just before still gets its operation
                    // applied (it starts a drainer of its own); two drainers of one workflow stay ordered by the row lock.
                    _queues.TryRemove(new KeyValuePair<Guid, WorkflowQueue>(workflowId, queue));
                    return;
                }

                batch = [.. queue.Items.Take(MaxBatch)];
                queue.Items.RemoveRange(0, batch.Count);
            }

            try
            {
                var outcomes = await ApplyBatchAsync(workflowId, batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Outcome.SetResult(outcomes[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var item in batch)
                {
                    item.Outcome.TrySetException(e);
                }
            }
        }
    }

    private const int MaxBatch = 100;

    private async Task<List<AppliedOperation>> ApplyBatchAsync(Guid workflowId, IReadOnlyList<Queued> batch)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var current = await connection.QuerySingleOrDefaultAsync<int?>(
            "SELECT current_version FROM workflows WHERE id = @workflowId FOR UPDATE", new { workflowId }, transaction);
        var outcomes = new List<AppliedOperation>(batch.Count);
        if (current is null)
        {
            outcomes.AddRange(batch.Select(_ => new AppliedOperation(ApplyResult.Refused(WorkflowHub.NotFound), Role.None)));
            return outcomes;
        }

        var document = Live(JsonNode.Parse(await connection.ExecuteScalarAsync<string>(
            "SELECT document::text FROM workflow_versions WHERE workflow_id = @workflowId AND version = @current",
            new { workflowId, current }, transaction) ?? "{}")!.AsObject());
        var version = current.Value;
        var roles = new Dictionary<Caller, Role>();
        foreach (var item in batch)
        {
            if (!roles.TryGetValue(item.Caller, out var role))
            {
                roles[item.Caller] = role = await WorkflowAccess.RoleOfAsync(connection, item.Caller, workflowId, transaction);
            }

            var (applied, after) = await ApplyOneAsync(connection, transaction, workflowId, item, role, document, version);
            if (applied.Announce)
            {
                version = applied.Result.Version!.Value;
                document = after!;
            }

            outcomes.Add(applied);
        }

        await transaction.CommitAsync();
        return outcomes;
    }

    /// <summary>Applies one operation to <paramref name="before"/>; returns the answer and, when it made a version, the new document.</summary>
    private async Task<(AppliedOperation Applied, JsonObject? After)> ApplyOneAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workflowId, Queued item, Role role, JsonObject before, int current)
    {
        (AppliedOperation, JsonObject?) Answer(ApplyResult result, JsonObject? after = null) => (new AppliedOperation(result, role), after);

        if (Access.Check(role, Role.Edit) != AccessOutcome.Allowed)
        {
            return Answer(ApplyResult.Refused(role == Role.None ? WorkflowHub.NotFound : "Editing needs the 'edit' role on this workflow."));
        }

        var request = item.Request;
        var earlier = await connection.QuerySingleOrDefaultAsync<int?>(
            "SELECT version FROM workflow_operations WHERE workflow_id = @workflowId AND client_id = @clientId AND client_seq = @seq",
            new { workflowId, clientId = request.ClientId, seq = request.Seq }, transaction);
        if (earlier is { } applied)
        {
            return Answer(new ApplyResult(true, applied, Duplicate: true, Changed: true, null));
        }

        var now = time.GetUtcNow();
        var operation = JsonNode.Parse(request.Op.GetRawText());
        if (await LockedByOthersAsync(connection, transaction, workflowId, item.ConnectionId, operation, now) is { } locked)
        {
            return Answer(ApplyResult.Refused(locked));
        }

        var outcome = WorkflowOperations.Apply(before, operation);
        if (!outcome.Accepted)
        {
            return Answer(ApplyResult.Refused(outcome.Refusal!));
        }

        if (JsonNode.DeepEquals(before, outcome.Document))
        {
            // Nothing changed (the same value set twice): no version, nothing to tell anyone.
            return Answer(new ApplyResult(true, current, Duplicate: false, Changed: false, null));
        }

        var json = outcome.Document!.ToJsonString(WorkflowJson.Options);
        var draft = validator.ValidateDraft(JsonSerializer.Deserialize<JsonElement>(json));
        if (draft.Document is null)
        {
            return Answer(ApplyResult.Refused($"That change would break the workflow: {draft.Problems[0].Message}"));
        }

        var next = current + 1;
        await WorkflowRows.AppendVersionAsync(connection, transaction, workflowId, next, draft.Document, item.Caller.UserId, now, json);
        await connection.ExecuteAsync(
            """
            INSERT INTO workflow_operations (workflow_id, version, client_id, client_seq, user_id, operation, applied_at)
            VALUES (@workflowId, @next, @clientId, @seq, @userId, @op::jsonb, @now)
            """,
            new { workflowId, next, clientId = request.ClientId, seq = request.Seq, userId = item.Caller.UserId, op = request.Op.GetRawText(), now = now.UtcDateTime },
            transaction);
        return Answer(new ApplyResult(true, next, Duplicate: false, Changed: true, null), outcome.Document);
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
