using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.History;

/// <summary>The immutable history of a workflow: read, restore as a new version, and compare (listing: <see cref="VersionHistory"/>).</summary>
public static class WorkflowVersions
{
    public static RouteGroupBuilder MapWorkflowVersionEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapGet("/versions/{version:int}", Get).RequireWorkflowRole(Role.View).WithName("GetWorkflowVersion");
        workflow.MapPost("/versions/{version:int}/restore", Restore).RequireWorkflowRole(Role.Edit).WithName("RestoreWorkflowVersion");
        workflow.MapGet("/diff", Diff).RequireWorkflowRole(Role.View).WithName("DiffWorkflowVersions");
        return workflow;
    }

    private sealed record VersionRow(int Version, DateTime CreatedAt, Guid CreatedBy, string CreatedByName, string ContentHash, string Document);

    public static async Task<Results<Ok<VersionDetail>, ProblemHttpResult>> Get(Guid id, int version, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var row = await ReadAsync(connection, id, version);
        return row is null
            ? Problems.NotFound("version")
            : TypedResults.Ok(new VersionDetail(row.Version, WorkflowRows.Utc(row.CreatedAt), row.CreatedBy, row.ContentHash, WorkflowRows.Parse(row.Document)));
    }

    public static async Task<Results<Ok<WorkflowDetail>, ProblemHttpResult>> Restore(
        Guid id, int version, HttpContext http, ClaimsPrincipal user, NpgsqlDataSource database, IWorkflowChannel browsers, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var row = await ReadAsync(connection, id, version);
        if (row is null)
        {
            return Problems.NotFound("version");
        }

        var current = await connection.ExecuteScalarAsync<int>("SELECT current_version FROM workflows WHERE id = @id", new { id });
        var document = JsonSerializer.Deserialize<WorkflowDocument>(row.Document, WorkflowJson.Options)!;
        var (detail, problem) = await WorkflowEndpoints.SaveAsync(connection, user, id, current, document, time.GetUtcNow(), "workflow.restored", ct);
        if (problem is not null)
        {
            return problem;
        }

        if (detail!.Version > current)
        {
            await VersionHistory.MarkRestoredAsync(connection, id, detail.Version, version, user.GetCaller().UserId, time.GetUtcNow());
        }

        await browsers.DocumentChangedAsync(id, detail.Version);
        http.Response.Headers.ETag = ETags.For(detail.Version);
        return TypedResults.Ok(detail);
    }

    public static async Task<Results<Ok<DiffResult>, ProblemHttpResult>> Diff(Guid id, int from, int to, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var before = await ReadAsync(connection, id, from);
        var after = await ReadAsync(connection, id, to);
        if (before is null || after is null)
        {
            return Problems.NotFound("version");
        }

        return TypedResults.Ok(new DiffResult(from, to, WorkflowDiff.Compare(WorkflowRows.Parse(before.Document), WorkflowRows.Parse(after.Document))));
    }

    private static Task<VersionRow?> ReadAsync(NpgsqlConnection connection, Guid id, int version) =>
        connection.QuerySingleOrDefaultAsync<VersionRow>(
            """
            SELECT v.version, v.created_at, v.created_by, '' AS created_by_name, v.content_hash, v.document::text AS document
            FROM workflow_versions v WHERE v.workflow_id = @id AND v.version = @version
            """,
            new { id, version });
}
