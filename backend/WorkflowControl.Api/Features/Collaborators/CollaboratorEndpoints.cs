using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Collaboration;
using WorkflowControl.Api.Features.Workflows;
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
    public static RouteGroupBuilder MapCollaboratorEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/{id:guid}/collaborators", List).WithName("ListCollaborators");
        group.MapPost("/{id:guid}/collaborators", Add).WithName("AddCollaborator");
        group.MapPut("/{id:guid}/collaborators/{userId:guid}", Change).WithName("ChangeCollaborator");
        group.MapDelete("/{id:guid}/collaborators/{userId:guid}", Remove).WithName("RemoveCollaborator");
        return group;
    }

    public static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> List(Guid id, ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var (_, denied) = await WorkflowAccess.RequireAsync(connection, user, id, Role.View);
        return denied is not null ? denied : TypedResults.Ok(await ReadAsync(connection, id, null));
    }

    public static async Task<Results<Ok<List<Collaborator>>, ProblemHttpResult>> Add(
        Guid id, AddCollaboratorRequest request, ClaimsPrincipal user, NpgsqlDataSource database, AccessChanges editors, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var target = await connection.ExecuteScalarAsync<Guid?>(
            "SELECT id FROM users WHERE lower(email) = lower(@email) ORDER BY created_at LIMIT 1", new { email = request.Email?.Trim() ?? "" });
        if (target is null)
        {
            var (_, deniedFirst) = await WorkflowAccess.RequireAsync(connection, user, id, Role.Manage);
            return deniedFirst ?? Problems.BadRequest("No user has that e-mail address. Ask them to sign up first.");
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
        var (actorRole, denied) = await WorkflowAccess.RequireAsync(connection, user, id, Role.View, transaction);
        if (denied is not null || owner is null)
        {
            return denied ?? Problems.NotFound();
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
