using System.Text.Json;
using Dapper;
using Npgsql;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>The SQL the workflow endpoints share: reading a workflow's current state and appending a version.</summary>
internal static class WorkflowRows
{
    private sealed record DetailRow(Guid Id, int CurrentVersion, Guid OwnerId, string OwnerName, Guid? OrganisationId, DateTime CreatedAt, DateTime UpdatedAt, string ContentHash, string Document);

    public static async Task<WorkflowDetail?> DetailAsync(NpgsqlConnection connection, Guid id, Role role, NpgsqlTransaction? transaction = null)
    {
        var row = await connection.QuerySingleOrDefaultAsync<DetailRow>(
            """
            SELECT w.id, w.current_version, w.owner_id, u.display_name AS owner_name, w.organisation_id, w.created_at, w.updated_at,
                   v.content_hash, v.document::text AS document
            FROM workflows w
            JOIN users u ON u.id = w.owner_id
            JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version
            WHERE w.id = @id
            """,
            new { id },
            transaction);
        return row is null ? null : new WorkflowDetail(
            row.Id, row.CurrentVersion, role.ToWire(), row.OwnerId, row.OwnerName, row.OrganisationId,
            Utc(row.CreatedAt), Utc(row.UpdatedAt), row.ContentHash, Parse(row.Document));
    }

    /// <summary>
    /// Stores <paramref name="document"/> as version <paramref name="version"/> and makes it current. <paramref name="json"/>,
    /// when given, is stored as the text instead (the collaboration hub keeps exactly what its clients computed).
    /// </summary>
    public static async Task AppendVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workflowId, int version, WorkflowDocument document, Guid userId, DateTimeOffset now, string? json = null)
    {
        await connection.ExecuteAsync(
            """
            INSERT INTO workflow_versions (workflow_id, version, document, content_hash, created_by, created_at)
            VALUES (@workflowId, @version, @document::json, @hash, @userId, @now)
            """,
            new { workflowId, version, document = json ?? WorkflowJson.Serialize(document), hash = WorkflowJson.ContentHash(document), userId, now = now.UtcDateTime },
            transaction);
        await connection.ExecuteAsync(
            """
            UPDATE workflows SET current_version = @version, name = @name, key = @key, description = @description, tags = @tags, updated_at = @now
            WHERE id = @workflowId
            """,
            new
            {
                workflowId,
                version,
                name = document.Metadata.Name,
                key = document.Metadata.Key,
                description = document.Metadata.Description,
                tags = document.Metadata.Tags.ToArray(),
                now = now.UtcDateTime,
            },
            transaction);
    }

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static bool IsUniqueViolation(PostgresException e) => e.SqlState == PostgresErrorCodes.UniqueViolation;
}
