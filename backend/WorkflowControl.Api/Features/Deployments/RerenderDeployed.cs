using System.Text.Json;
using Dapper;
using Npgsql;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Deployments;

/// <summary>
/// After a template change: re-render the deployed version of every workflow and report how many files changed.
/// Run as `dotnet WorkflowControl.Api.dll rerender-dags` (make rerender-dags). A rewritten file's deployment records its
/// new content hash and, with git delivery, the commit that now holds it: runs started from here on run that commit.
/// </summary>
public static class RerenderDeployed
{
    public const string Command = "rerender-dags";

    public static async Task<FleetRerenderResult> RunAsync(NpgsqlDataSource database, FleetRerender fleet, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid WorkflowId, Guid OwnerId, string OwnerName, int Version, string Document)>(
            """
            SELECT DISTINCT ON (d.workflow_id) d.workflow_id, w.owner_id, u.display_name, d.version, v.document::text
            FROM deployments d
            JOIN workflows w ON w.id = d.workflow_id
            JOIN users u ON u.id = w.owner_id
            JOIN workflow_versions v ON v.workflow_id = d.workflow_id AND v.version = d.version
            WHERE d.state <> 'superseded'
            ORDER BY d.workflow_id, d.created_at DESC
            """);
        var result = fleet.Run(rows.Select(r => new FleetItem(r.WorkflowId, new DagOwner(r.OwnerId, r.OwnerName), r.Version, JsonSerializer.Deserialize<WorkflowDocument>(r.Document, WorkflowJson.Options)!)));
        foreach (var rewrite in result.Rewrites)
        {
            await connection.ExecuteAsync(
                """
                UPDATE deployments SET content_hash = @ContentHash, git_commit = coalesce(@Commit, git_commit), updated_at = now()
                WHERE id = (SELECT id FROM deployments WHERE workflow_id = @WorkflowId AND version = @Version AND state <> 'superseded'
                            ORDER BY created_at DESC LIMIT 1)
                """,
                rewrite);
        }

        return result;
    }
}
