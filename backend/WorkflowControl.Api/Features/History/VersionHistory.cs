using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Collaboration;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Features.History;

/// <summary>A deployment of a version, as the history lists it.</summary>
public sealed record VersionDeployment(Guid Id, int Version, string State, bool Active, DateTimeOffset CreatedAt, string CreatedByName);

/// <summary>
/// A version: the state after one burst of edits (<see cref="VersionBursts"/>). <c>Version</c> is the number of its last
/// revision, the one deployments pin and restores read; <c>Author</c> is the display name of whoever edited most in it.
/// </summary>
public sealed record VersionSummary(
    int Version,
    string? Name,
    int FirstRevision,
    int Edits,
    string Cut,
    int? RestoredFrom,
    DateTimeOffset StartedAt,
    DateTimeOffset CreatedAt,
    Guid CreatedBy,
    string Author,
    IReadOnlyList<string> Authors,
    string ContentHash,
    ChangeSize Changes,
    IReadOnlyList<VersionDeployment> Deployments);

public sealed record NameVersionRequest(string Name, int? Version = null);

public static class VersionHistory
{
    public const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapHistory(this IEndpointRouteBuilder app)
    {
        app.MapWorkflowGroup().MapVersionHistoryEndpoints().MapWorkflowVersionEndpoints();
        return app;
    }

    public static RouteGroupBuilder MapVersionHistoryEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapGet("/versions", List).RequireWorkflowRole(Role.View).WithName("ListWorkflowVersions");
        workflow.MapPost("/versions", Name).RequireWorkflowRole(Role.Edit).WithName("NameWorkflowVersion");
        return workflow;
    }

    private sealed record RevisionRow(int Version, DateTime CreatedAt, Guid CreatedBy, string CreatedByName);

    private sealed record MarkRow(int Version, string? Name, int? RestoredFrom);

    private sealed record DeploymentRow(Guid Id, int Version, string State, bool Active, DateTime CreatedAt, string CreatedByName);

    private sealed record DocumentRow(int Version, string ContentHash, string Document);

    /// <summary>
    /// Versions, newest first. <paramref name="every"/> lists each stored revision as its own version (the fine-grained
    /// log, for audits and tools); <paramref name="limit"/> bounds how many (their documents are read to size them).
    /// </summary>
    public static async Task<Results<Ok<List<VersionSummary>>, ProblemHttpResult>> List(
        Guid id, NpgsqlDataSource database, IOptions<CollaborationOptions> options, TimeProvider time, CancellationToken ct,
        bool every = false, int limit = 50)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, id, every ? TimeSpan.Zero : options.Value.VersionGap, time.GetUtcNow(), Math.Clamp(limit, 1, 500)));
    }

    /// <summary>Names the current version (or the one given), which also ends its burst: the next edit starts a new version.</summary>
    public static async Task<Results<Created<VersionSummary>, ProblemHttpResult>> Name(
        Guid id, NameVersionRequest request, ClaimsPrincipal user, NpgsqlDataSource database, IOptions<CollaborationOptions> options, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return Problems.BadRequest($"A version's name needs 1 to {MaxNameLength} characters.");
        }

        var version = request.Version ?? await connection.ExecuteScalarAsync<int>("SELECT current_version FROM workflows WHERE id = @id", new { id });
        var now = time.GetUtcNow();
        var stored = await connection.ExecuteAsync(
            """
            INSERT INTO version_marks (workflow_id, version, name, marked_by, marked_at)
            SELECT @id, @version, @name, @by, @now WHERE EXISTS (SELECT 1 FROM workflow_versions WHERE workflow_id = @id AND version = @version)
            ON CONFLICT (workflow_id, version) DO UPDATE SET name = EXCLUDED.name, marked_by = EXCLUDED.marked_by, marked_at = EXCLUDED.marked_at
            """,
            new { id, version, name, by = user.GetCaller().UserId, now = now.UtcDateTime });
        if (stored == 0)
        {
            return Problems.NotFound("version");
        }

        await AuditLog.WriteAsync(connection, null, user, "workflow.version_named", id, new { version, name }, now);
        var listed = await ReadAsync(connection, id, options.Value.VersionGap, now, 500);
        return TypedResults.Created($"/workflows/{id}/versions/{version}", listed.First(v => v.Version == version));
    }

    /// <summary>Records that <paramref name="version"/> restored <paramref name="from"/>, so it stands as a version of its own.</summary>
    internal static Task MarkRestoredAsync(NpgsqlConnection connection, Guid id, int version, int from, Guid by, DateTimeOffset now) =>
        connection.ExecuteAsync(
            """
            INSERT INTO version_marks (workflow_id, version, restored_from, marked_by, marked_at) VALUES (@id, @version, @from, @by, @now)
            ON CONFLICT (workflow_id, version) DO UPDATE SET restored_from = EXCLUDED.restored_from
            """,
            new { id, version, from, by, now = now.UtcDateTime });

    private static async Task<List<VersionSummary>> ReadAsync(NpgsqlConnection connection, Guid id, TimeSpan gap, DateTimeOffset now, int limit)
    {
        var revisions = (await connection.QueryAsync<RevisionRow>(
                """
                SELECT v.version, v.created_at, v.created_by, u.display_name AS created_by_name
                FROM workflow_versions v JOIN users u ON u.id = v.created_by
                WHERE v.workflow_id = @id ORDER BY v.version
                """,
                new { id }))
            .Select(r => new Revision(r.Version, WorkflowRows.Utc(r.CreatedAt), r.CreatedBy, r.CreatedByName))
            .ToList();
        var marks = (await connection.QueryAsync<MarkRow>("SELECT version, name, restored_from FROM version_marks WHERE workflow_id = @id", new { id })).ToList();
        var deployments = (await connection.QueryAsync<DeploymentRow>(
                """
                SELECT d.id, d.version, d.state, d.active, d.created_at, u.display_name AS created_by_name
                FROM deployments d JOIN users u ON u.id = d.created_by
                WHERE d.workflow_id = @id ORDER BY d.created_at DESC
                """,
                new { id }))
            .ToList();

        var bursts = VersionBursts.Cut(
            revisions,
            new BurstMarks(
                marks.Where(m => m.Name is not null).ToDictionary(m => m.Version, m => m.Name!),
                deployments.Select(d => d.Version).ToHashSet(),
                marks.Where(m => m.RestoredFrom is not null).ToDictionary(m => m.Version, m => m.RestoredFrom!.Value)),
            gap,
            now);
        var previous = bursts.Skip(1).Zip(bursts, (b, before) => (b.Last, before.Last)).ToDictionary(x => x.Item1, x => x.Item2);
        int? Previous(Burst b) => previous.TryGetValue(b.Last, out var p) ? p : null;
        var shown = bursts.Reverse().Take(limit).ToList();
        // Each shown version is sized against the version before it, so one more document than shown is read.
        var needed = shown.Select(b => (int?)b.Last).Concat(shown.Select(Previous)).OfType<int>().Distinct().ToArray();
        var documents = (await connection.QueryAsync<DocumentRow>(
                "SELECT version, content_hash, document::text AS document FROM workflow_versions WHERE workflow_id = @id AND version = ANY(@needed)",
                new { id, needed }))
            .ToDictionary(d => d.Version);
        var byVersion = revisions.ToDictionary(r => r.Version);
        var names = marks.ToDictionary(m => m.Version);

        return shown.Select(b =>
        {
            var inBurst = revisions.Where(r => r.Version >= b.First && r.Version <= b.Last).ToList();
            var last = byVersion[b.Last];
            var before = Previous(b) is { } p ? WorkflowRows.Parse(documents[p].Document) : (System.Text.Json.JsonElement?)null;
            var authors = VersionBursts.AuthorsOf(inBurst);
            return new VersionSummary(
                b.Last,
                names.GetValueOrDefault(b.Last)?.Name,
                b.First,
                inBurst.Count,
                b.Cut,
                names.GetValueOrDefault(b.Last)?.RestoredFrom,
                inBurst[0].At,
                last.At,
                last.By,
                authors[0],
                authors,
                documents[b.Last].ContentHash,
                StepChanges.Between(before, WorkflowRows.Parse(documents[b.Last].Document)),
                deployments.Where(d => d.Version >= b.First && d.Version <= b.Last)
                    .Select(d => new VersionDeployment(d.Id, d.Version, d.State, d.Active, WorkflowRows.Utc(d.CreatedAt), d.CreatedByName))
                    .ToList());
        }).ToList();
    }
}
