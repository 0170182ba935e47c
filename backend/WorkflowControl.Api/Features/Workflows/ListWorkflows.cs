using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>
/// The caller's workflows: paged, sorted and filtered, each with the caller's role, its last run (from the runs the
/// tracker stores), its deployment state and the next scheduled run, all in one query.
/// </summary>
public static class ListWorkflows
{
    public const int MaxPageSize = 200;

    private static readonly Dictionary<string, string> SortColumns = new(StringComparer.Ordinal)
    {
        ["name"] = "lower(w.name) ASC, w.id",
        ["-name"] = "lower(w.name) DESC, w.id",
        ["updated"] = "w.updated_at ASC, w.id",
        ["-updated"] = "w.updated_at DESC, w.id",
        ["created"] = "w.created_at ASC, w.id",
        ["-created"] = "w.created_at DESC, w.id",
    };

    /// <summary>The `state` filter: the last run's state; "never" for workflows that have not run.</summary>
    private static readonly Dictionary<string, string[]> StateFilters = new(StringComparer.Ordinal)
    {
        ["never"] = [],
        ["running"] = ["pending", "queued", "running"],
        ["success"] = ["success"],
        // A cancelled run is failed in Airflow but not a failure of the workflow: it has a filter of its own.
        ["failed"] = ["failed"],
        ["cancelled"] = ["cancelled"],
    };

    /// <summary>The `deployment` filter: the state of the current deployment; "none" for workflows never deployed.</summary>
    private static readonly HashSet<string> DeploymentFilters = new(StringComparer.Ordinal) { "none", "written", "parsed", "import_error" };

    // Settable properties rather than a positional record: Dapper cannot pick a constructor when columns are NULL.
    private sealed class Row
    {
        public Guid Id { get; init; }
        public string? Key { get; init; }
        public string Name { get; init; } = "";
        public string? Description { get; init; }
        public string[] Tags { get; init; } = [];
        public Guid OwnerId { get; init; }
        public string OwnerName { get; init; } = "";
        public Guid? OrganisationId { get; init; }
        public short? CollaboratorRole { get; init; }
        public short? MemberRole { get; init; }
        public int CurrentVersion { get; init; }
        public DateTime UpdatedAt { get; init; }
        public string? LastRunState { get; init; }
        public DateTime? LastRunAt { get; init; }
        public string? DeploymentState { get; init; }
        public bool DeploymentActive { get; init; }
        public string? DeployedSchedule { get; init; }
        public string? DeployedTimezone { get; init; }
        public long Total { get; init; }
    }

    public static async Task<Results<Ok<WorkflowPage>, ProblemHttpResult>> Handle(
        ClaimsPrincipal user, NpgsqlDataSource database, TimeProvider time, CancellationToken ct,
        string? search = null, string? key = null, string? tag = null, Guid? owner = null, Guid? organisation = null, string? state = null,
        string? deployment = null, bool shared = false, string? sort = null, int page = 1, int pageSize = 20)
    {
        if (page < 1 || pageSize < 1 || pageSize > MaxPageSize)
        {
            return Problems.BadRequest($"page must be 1 or more and pageSize between 1 and {MaxPageSize}.");
        }

        sort ??= "-updated";
        if (!SortColumns.TryGetValue(sort, out var orderBy))
        {
            return Problems.BadRequest($"Unknown sort '{sort}'. Use one of {string.Join(", ", SortColumns.Keys)}.");
        }

        string[]? lastRunStates = null;
        if (state is not null && !StateFilters.TryGetValue(state, out lastRunStates))
        {
            return Problems.BadRequest($"Unknown state '{state}'. Use one of {string.Join(", ", StateFilters.Keys)}.");
        }

        if (deployment is not null && !DeploymentFilters.Contains(deployment))
        {
            return Problems.BadRequest($"Unknown deployment '{deployment}'. Use one of {string.Join(", ", DeploymentFilters)}.");
        }

        var caller = user.GetCaller();
        await using var connection = await database.OpenConnectionAsync(ct);
        // The WHERE clause only narrows to workflows the caller is related to; Access decides the role of each.
        var rows = (await connection.QueryAsync<Row>(
            $"""
            SELECT w.id, w.key, w.name, w.description, w.tags, w.owner_id, u.display_name AS owner_name, w.organisation_id,
                   c.role AS collaborator_role, m.role AS member_role, w.current_version, w.updated_at,
                   lr.state AS last_run_state, lr.at AS last_run_at,
                   ld.state AS deployment_state, ld.active AS deployment_active, ld.schedule AS deployed_schedule, ld.timezone AS deployed_timezone,
                   count(*) OVER () AS total
            FROM workflows w
            JOIN users u ON u.id = w.owner_id
            LEFT JOIN workflow_collaborators c ON c.workflow_id = w.id AND c.user_id = @user
            LEFT JOIN organisation_members m ON m.organisation_id = w.organisation_id AND m.user_id = @user
            LEFT JOIN LATERAL (
                SELECT CASE WHEN r.cancelled_at IS NULL THEN r.state ELSE 'cancelled' END AS state, coalesce(r.started_at, r.created_at) AS at FROM runs r
                WHERE r.workflow_id = w.id AND r.state <> 'deleted' ORDER BY r.created_at DESC, r.dag_run_id DESC LIMIT 1
            ) lr ON true
            LEFT JOIN LATERAL (
                SELECT d.state, d.active, v.document -> 'spec' ->> 'schedule' AS schedule, v.document -> 'spec' ->> 'timezone' AS timezone
                FROM deployments d JOIN workflow_versions v ON v.workflow_id = d.workflow_id AND v.version = d.version
                WHERE d.workflow_id = w.id AND d.state <> 'superseded' ORDER BY d.created_at DESC, d.id LIMIT 1
            ) ld ON true
            WHERE (w.owner_id = @user OR c.user_id IS NOT NULL OR m.user_id IS NOT NULL)
              AND (@tokenOrg::uuid IS NULL OR w.organisation_id = @tokenOrg)
              AND (@tokenWorkflows::uuid[] IS NULL OR w.id = ANY(@tokenWorkflows))
              AND (@search::text IS NULL OR w.name ILIKE '%' || @search || '%' OR w.key ILIKE '%' || @search || '%' OR w.description ILIKE '%' || @search || '%')
              AND (@key::text IS NULL OR w.key = @key)
              AND (@tag::text IS NULL OR @tag = ANY(w.tags))
              AND (@owner::uuid IS NULL OR w.owner_id = @owner)
              AND (NOT @shared OR w.owner_id <> @user)
              AND (@organisation::uuid IS NULL OR w.organisation_id = @organisation)
              AND (@stateFilter::boolean IS NOT TRUE OR (cardinality(@lastRunStates::text[]) = 0 AND lr.state IS NULL) OR lr.state = ANY(@lastRunStates))
              AND (@deployment::text IS NULL OR (@deployment = 'none' AND ld.state IS NULL) OR ld.state = @deployment)
            ORDER BY {orderBy}
            LIMIT @pageSize OFFSET @offset
            """,
            new
            {
                user = caller.UserId,
                tokenOrg = caller.Token?.OrganisationId,
                tokenWorkflows = caller.Token?.WorkflowIds?.ToArray(),
                search = string.IsNullOrWhiteSpace(search) ? null : EscapeLike(search.Trim()),
                key,
                tag,
                owner,
                shared,
                organisation,
                stateFilter = lastRunStates is not null,
                lastRunStates = lastRunStates ?? [],
                deployment,
                pageSize,
                offset = (page - 1) * pageSize,
            })).ToList();

        var now = time.GetUtcNow();
        var items = rows
            .Select(r => (Row: r, Role: Access.EffectiveRole(caller, new WorkflowAccessFacts(r.Id, r.OwnerId, r.OrganisationId, (Role?)r.CollaboratorRole, (Role?)r.MemberRole))))
            .Where(x => x.Role != Role.None)
            .Select(x => new WorkflowSummary(x.Row.Id, x.Row.Key, x.Row.Name, x.Row.Description, x.Row.Tags, x.Row.OwnerId, x.Row.OwnerName,
                x.Row.OrganisationId, x.Role.ToWire(), x.Row.CurrentVersion, WorkflowRows.Utc(x.Row.UpdatedAt),
                x.Row.LastRunState is { } runState ? new RunSummary(runState, x.Row.LastRunAt is { } at ? WorkflowRows.Utc(at) : null) : null,
                NextRunAt(x.Row, now), x.Row.DeploymentState))
            .ToList();
        return TypedResults.Ok(new WorkflowPage(items, (int)(rows.FirstOrDefault()?.Total ?? 0), page, pageSize));
    }

    /// <summary>
    /// When Airflow will next start the deployed version: only for a deployment that is (to be) unpaused and did not
    /// fail to import. Pausing in the Airflow UI is not seen here; pausing through the API is.
    /// </summary>
    internal static DateTimeOffset? NextRun(string? deploymentState, bool active, string? schedule, string? timezone, DateTimeOffset now) =>
        deploymentState is "written" or "parsed" && active && schedule is not null
            ? Schedules.NextRuns(schedule, timezone ?? "UTC", now, 1).Cast<DateTimeOffset?>().FirstOrDefault()
            : null;

    private static DateTimeOffset? NextRunAt(Row row, DateTimeOffset now) =>
        NextRun(row.DeploymentState, row.DeploymentActive, row.DeployedSchedule, row.DeployedTimezone, now);

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
