using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>
/// Loads the facts about one workflow and lets <see cref="Access"/> decide. Endpoints under /workflows/{id} get this
/// through <see cref="WorkflowRoutes"/>; hub methods, background work and checks inside a transaction call it directly.
/// </summary>
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

    /// <summary>The 404 or 403 to answer when <paramref name="role"/> is below <paramref name="required"/>; null when it is enough.</summary>
    public static ProblemHttpResult? Denial(Role role, Role required) => Access.Check(role, required) switch
    {
        AccessOutcome.Allowed => null,
        AccessOutcome.NotFound => Problems.NotFound(),
        _ => Problems.Forbidden($"This needs the '{required.ToWire()}' role on the workflow; you have '{role.ToWire()}'."),
    };
}
