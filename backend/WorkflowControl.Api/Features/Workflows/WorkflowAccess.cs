using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>Loads the facts about one workflow and lets <see cref="Access"/> decide. Every workflow endpoint starts here.</summary>
public static class WorkflowAccess
{
    private sealed record FactsRow(Guid Id, Guid OwnerId, Guid? OrganisationId, short? CollaboratorRole, short? MemberRole);

    public static async Task<Role> RoleOfAsync(NpgsqlConnection connection, Caller caller, Guid workflowId, NpgsqlTransaction? transaction = null)
    {
        var row = await connection.QuerySingleOrDefaultAsync<FactsRow>(
            """
            SELECT w.id, w.owner_id, w.organisation_id,
                   (SELECT c.role FROM workflow_collaborators c WHERE c.workflow_id = w.id AND c.user_id = @user) AS collaborator_role,
                   (SELECT m.role FROM organisation_members m WHERE m.organisation_id = w.organisation_id AND m.user_id = @user) AS member_role
            FROM workflows w WHERE w.id = @workflowId
            """,
            new { user = caller.UserId, workflowId },
            transaction);
        return row is null
            ? Role.None
            : Access.EffectiveRole(caller, new WorkflowAccessFacts(row.Id, row.OwnerId, row.OrganisationId, (Role?)row.CollaboratorRole, (Role?)row.MemberRole));
    }

    /// <summary>The caller's role when it is at least <paramref name="required"/>; otherwise the 404 or 403 to answer.</summary>
    public static async Task<(Role Role, ProblemHttpResult? Denied)> RequireAsync(NpgsqlConnection connection, ClaimsPrincipal user, Guid workflowId, Role required, NpgsqlTransaction? transaction = null)
    {
        var role = await RoleOfAsync(connection, user.GetCaller(), workflowId, transaction);
        return Access.Check(role, required) switch
        {
            AccessOutcome.Allowed => (role, null),
            AccessOutcome.NotFound => (role, Problems.NotFound()),
            _ => (role, Problems.Forbidden($"This needs the '{required.ToWire()}' role on the workflow; you have '{role.ToWire()}'.")),
        };
    }
}
