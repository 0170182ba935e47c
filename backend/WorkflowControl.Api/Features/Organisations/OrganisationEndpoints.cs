using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Collaboration;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Features.Organisations;

public sealed record CreateOrganisationRequest(string Name);

public sealed record AddMemberRequest(string Email, string Role);

public sealed record Organisation(Guid Id, string Name, string Role);

public sealed record Member(Guid UserId, string? Email, string DisplayName, string Role);

/// <summary>Organisations share their workflows with members; a member's role there is their role on those workflows.</summary>
public static class OrganisationEndpoints
{
    public static IEndpointRouteBuilder MapOrganisations(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/organisations").WithTags("Organisations").MapOrganisationEndpoints();
        return app;
    }

    public static RouteGroupBuilder MapOrganisationEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/", List).WithName("ListOrganisations");
        group.MapPost("/", Create).WithName("CreateOrganisation");
        group.MapGet("/{id:guid}/members", Members).WithName("ListMembers");
        group.MapPost("/{id:guid}/members", AddMember).WithName("AddMember");
        group.MapDelete("/{id:guid}/members/{userId:guid}", RemoveMember).WithName("RemoveMember");
        return group;
    }

    public static async Task<Ok<List<Organisation>>> List(ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid Id, string Name, short Role)>(
            "SELECT o.id, o.name, m.role FROM organisations o JOIN organisation_members m ON m.organisation_id = o.id WHERE m.user_id = @user ORDER BY o.name",
            new { user = user.GetCaller().UserId });
        return TypedResults.Ok(rows.Select(r => new Organisation(r.Id, r.Name, ((Role)r.Role).ToWire())).ToList());
    }

    public static async Task<Results<Created<Organisation>, ProblemHttpResult>> Create(CreateOrganisationRequest request, ClaimsPrincipal user, NpgsqlDataSource database, TimeProvider time, CancellationToken ct)
    {
        if (!Access.IsSignedIn(user.GetCaller()))
        {
            return Problems.Forbidden("API tokens cannot create organisations.");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return Problems.BadRequest("Give the organisation a name of 1 to 100 characters.");
        }

        var id = Guid.NewGuid();
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync("INSERT INTO organisations (id, name, created_by, created_at) VALUES (@id, @name, @user, @now)",
            new { id, name = request.Name.Trim(), user = user.GetCaller().UserId, now = now.UtcDateTime }, transaction);
        await connection.ExecuteAsync("INSERT INTO organisation_members (organisation_id, user_id, role, added_at) VALUES (@id, @user, @role, @now)",
            new { id, user = user.GetCaller().UserId, role = (short)Role.Manage, now = now.UtcDateTime }, transaction);
        await AuditLog.WriteAsync(connection, transaction, user, "organisation.created", null, new { organisationId = id }, now);
        await transaction.CommitAsync(ct);
        return TypedResults.Created($"/organisations/{id}", new Organisation(id, request.Name.Trim(), Role.Manage.ToWire()));
    }

    public static async Task<Results<Ok<List<Member>>, ProblemHttpResult>> Members(Guid id, ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        if (await MemberRoleAsync(connection, id, user.GetCaller().UserId) is null)
        {
            return Problems.NotFound("organisation");
        }

        return TypedResults.Ok(await ReadMembersAsync(connection, id));
    }

    public static async Task<Results<Ok<List<Member>>, ProblemHttpResult>> AddMember(
        Guid id, AddMemberRequest request, ClaimsPrincipal user, NpgsqlDataSource database, AccessChanges editors, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        if (await MemberManagementProblemAsync(connection, id, user, "add") is { } denied)
        {
            return denied;
        }

        var role = Roles.Parse(request.Role);
        if (role is null or Role.Owner)
        {
            return Problems.BadRequest("role must be one of view, execute, edit, manage.");
        }

        var target = await connection.ExecuteScalarAsync<Guid?>("SELECT id FROM users WHERE lower(email) = lower(@email) ORDER BY created_at LIMIT 1", new { email = request.Email?.Trim() ?? "" });
        if (target is null)
        {
            return Problems.BadRequest("No user has that e-mail address. Ask them to sign up first.");
        }

        var now = time.GetUtcNow();
        await connection.ExecuteAsync(
            """
            INSERT INTO organisation_members (organisation_id, user_id, role, added_at) VALUES (@id, @target, @role, @now)
            ON CONFLICT (organisation_id, user_id) DO UPDATE SET role = EXCLUDED.role
            """,
            new { id, target, role = (short)role.Value, now = now.UtcDateTime });
        await AuditLog.WriteAsync(connection, null, user, "organisation.member_added", null, new { organisationId = id, userId = target, role = role.Value.ToWire() }, now);
        // Adding an existing member changes their role: their open editors follow at once.
        await editors.OrganisationRoleChangedAsync(id, target.Value);
        return TypedResults.Ok(await ReadMembersAsync(connection, id));
    }

    public static async Task<Results<Ok<List<Member>>, ProblemHttpResult>> RemoveMember(
        Guid id, Guid userId, ClaimsPrincipal user, NpgsqlDataSource database, AccessChanges editors, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        if (await MemberManagementProblemAsync(connection, id, user, "remove") is { } denied)
        {
            return denied;
        }

        var managers = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM organisation_members WHERE organisation_id = @id AND role = 4", new { id });
        var targetRole = await MemberRoleAsync(connection, id, userId);
        if (Access.MemberRemovalProblem(targetRole, managers) is { } problem)
        {
            return Problems.Forbidden(problem);
        }

        await connection.ExecuteAsync("DELETE FROM organisation_members WHERE organisation_id = @id AND user_id = @userId", new { id, userId });
        await AuditLog.WriteAsync(connection, null, user, "organisation.member_removed", null, new { organisationId = id, userId }, time.GetUtcNow());
        await editors.OrganisationRoleChangedAsync(id, userId);
        return TypedResults.Ok(await ReadMembersAsync(connection, id));
    }

    /// <summary>404 to non-members (the organisation stays invisible), 403 to members who may not manage members, null to managers.</summary>
    private static async Task<ProblemHttpResult?> MemberManagementProblemAsync(NpgsqlConnection connection, Guid id, ClaimsPrincipal user, string action)
    {
        var actor = await MemberRoleAsync(connection, id, user.GetCaller().UserId);
        if (actor is null)
        {
            return Problems.NotFound("organisation");
        }

        return Access.MayManageMembers(user.GetCaller(), actor.Value) ? null : Problems.Forbidden($"Only the organisation's managers can {action} members.");
    }

    private static async Task<Role?> MemberRoleAsync(NpgsqlConnection connection, Guid organisation, Guid user) =>
        (Role?)await connection.ExecuteScalarAsync<short?>("SELECT role FROM organisation_members WHERE organisation_id = @organisation AND user_id = @user", new { organisation, user });

    private static async Task<List<Member>> ReadMembersAsync(NpgsqlConnection connection, Guid id) =>
        (await connection.QueryAsync<(Guid UserId, string? Email, string DisplayName, short Role)>(
            "SELECT u.id, u.email, u.display_name, m.role FROM organisation_members m JOIN users u ON u.id = m.user_id WHERE m.organisation_id = @id ORDER BY m.role DESC, u.display_name",
            new { id }))
        .Select(r => new Member(r.UserId, r.Email, r.DisplayName, ((Role)r.Role).ToWire()))
        .ToList();
}
