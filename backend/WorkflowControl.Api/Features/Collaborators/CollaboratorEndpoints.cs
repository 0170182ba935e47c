using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Collaboration;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Features.Collaborators;

public sealed record Collaborator(Guid UserId, string? Email, string DisplayName, string Role);

public sealed record AddCollaboratorRequest(string Email, string Role);

public sealed record ChangeRoleRequest(string Role);

/// <summary>Who else may see, run, edit or manage a workflow. Only managers change it; see <see cref="Access.CollaboratorChangeProblem"/>.</summary>
public static class CollaboratorEndpoints
{
    public static IEndpointRouteBuilder MapCollaborators(this IEndpointRouteBuilder app)
    {
        app.MapWorkflowGroup().MapCollaboratorEndpoints();
        return app;
    }

    /// <summary>
    /// Viewers see the list. Changes need a manager, decided inside the change's transaction (<see cref="ChangeAsync"/>)
    /// so two managers cannot demote each other at once; the group's view check only keeps strangers out first.
    /// </summary>
    public static RouteGroupBuilder MapCollaboratorEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapGet("/collaborators", List).RequireWorkflowRole(Role.View).WithName("ListCollaborators");
        workflow.MapPost("/collaborators", Add).RequireWorkflowRole(Role.View).WithName("AddCollaborator");
        workflow.MapPut("/collaborators/{userId:guid}", Change).RequireWorkflowRole(Role.View).WithName("ChangeCollaborator");
        workflow.MapDelete("/collaborators/{userId:guid}", Remove).RequireWorkflowRole(Role.View).WithName("RemoveCollaborator");
        return workflow;
    }

    public static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> List(Guid id, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, id, null));
    }

    public static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> Add(
        Guid id, AddCollaboratorRequest request, HttpContext http, ClaimsPrincipal user, NpgsqlDataSource database, AccessChanges editors, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var target = await connection.ExecuteScalarAsync<Guid?>(
            "SELECT id FROM users WHERE lower(email) = lower(@email) ORDER BY created_at LIMIT 1", new { email = request.Email?.Trim() ?? "" });
        if (target is null)
        {
            // Only a manager learns whether an address has an account.
            return WorkflowAccess.Denial(http.WorkflowRole(), Role.Manage) ?? Problems.BadRequest("No user has that e-mail address. Ask them to sign up first.");
        }

        return await ChangeAsync(connection, id, target.Value, request.Role, user, editors, time, "collaborator.added", ct);
    }

    public static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> Change(
        Guid id, Guid userId, ChangeRoleRequest request, ClaimsPrincipal user, NpgsqlDataSource database, AccessChanges editors, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ChangeAsync(connection, id, userId, request.Role, user, editors, time, "collaborator.changed", ct);
    }

    public static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> Remove(
        Guid id, Guid userId, ClaimsPrincipal user, NpgsqlDataSource database, AccessChanges editors, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ChangeAsync(connection, id, userId, null, user, editors, time, "collaborator.removed", ct);
    }

    /// <summary>Grants, changes or (with a null role) removes a collaborator, under a lock so two managers cannot both demote each other.</summary>
    private static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> ChangeAsync(
        NpgsqlConnection connection, Guid id, Guid target, string? roleName, ClaimsPrincipal user, AccessChanges editors, TimeProvider time, string action, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var owner = await connection.ExecuteScalarAsync<Guid?>("SELECT owner_id FROM workflows WHERE id = @id FOR UPDATE", new { id }, transaction);
        // Read again under the row lock: the role decides together with the managers counted below.
        var actorRole = await WorkflowAccess.RoleOfAsync(connection, user.GetCaller(), id, transaction);
        if (owner is null || actorRole == Role.None)
        {
            return Problems.NotFound();
        }

        Role? newRole = null;
        if (action != "collaborator.removed")
        {
            newRole = Roles.Parse(roleName);
            if (newRole is null or Role.Owner)
            {
                return Problems.BadRequest("role must be one of view, execute, edit, manage.");
            }
        }

        var current = target == owner ? Role.Owner : (Role?)await connection.ExecuteScalarAsync<short?>(
            "SELECT role FROM workflow_collaborators WHERE workflow_id = @id AND user_id = @target", new { id, target }, transaction);
        if (current is null && newRole is null)
        {
            return Problems.NotFound("collaborator");
        }

        var managers = 1 + await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM workflow_collaborators WHERE workflow_id = @id AND role = @manage", new { id, manage = (short)Role.Manage }, transaction);
        if (Access.CollaboratorChangeProblem(actorRole, current, newRole, managers) is { } problem)
        {
            return Problems.Forbidden(problem);
        }

        var now = time.GetUtcNow();
        if (newRole is null)
        {
            await connection.ExecuteAsync("DELETE FROM workflow_collaborators WHERE workflow_id = @id AND user_id = @target", new { id, target }, transaction);
        }
        else
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO workflow_collaborators (workflow_id, user_id, role, granted_by, granted_at) VALUES (@id, @target, @role, @by, @now)
                ON CONFLICT (workflow_id, user_id) DO UPDATE SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at
                """,
                new { id, target, role = (short)newRole.Value, by = user.GetCaller().UserId, now = now.UtcDateTime },
                transaction);
        }

        await AuditLog.WriteAsync(connection, transaction, user, action, id, new { userId = target, role = newRole?.ToWire() }, now);
        var result = await ReadAsync(connection, id, transaction);
        await transaction.CommitAsync(ct);
        // After the commit: an editor that lost access is closed only once the change is certain.
        await editors.RoleChangedAsync(id, target);
        return TypedResults.Ok(result);
    }

    private static async Task<List<Collaborator>> ReadAsync(NpgsqlConnection connection, Guid id, NpgsqlTransaction? transaction) =>
        (await connection.QueryAsync<(Guid UserId, string? Email, string DisplayName, short Role)>(
            """
            SELECT u.id, u.email, u.display_name, 5::smallint FROM workflows w JOIN users u ON u.id = w.owner_id WHERE w.id = @id
            UNION ALL
            SELECT u.id, u.email, u.display_name, c.role FROM workflow_collaborators c JOIN users u ON u.id = c.user_id WHERE c.workflow_id = @id
            ORDER BY 4 DESC, 3
            """,
            new { id },
            transaction))
        .Select(r => new Collaborator(r.UserId, r.Email, r.DisplayName, ((Role)r.Role).ToWire()))
        .ToList();
}
