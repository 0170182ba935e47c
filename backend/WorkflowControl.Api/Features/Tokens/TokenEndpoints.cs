using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Features.Tokens;

public sealed record CreateTokenRequest(string Name, string MaxRole, Guid? OrganisationId, IReadOnlyList<Guid>? WorkflowIds, int ExpiresInDays = 90);

/// <summary>An API token as <c>GET /tokens/{id}</c> shows it: everything but the secret.</summary>
public sealed record TokenInfo(Guid Id, string Name, string Prefix, string MaxRole, Guid? OrganisationId, IReadOnlyList<Guid>? WorkflowIds,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>
/// The created token resource, as every create answers its resource, plus the secret <see cref="Token"/>: shown in
/// this response only, the database keeps its hash. Flat and positional so the OpenAPI document requires every field.
/// </summary>
public sealed record CreatedToken(Guid Id, string Name, string Prefix, string MaxRole, Guid? OrganisationId, IReadOnlyList<Guid>? WorkflowIds,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string Token)
{
    public static CreatedToken Of(TokenInfo info, string token) =>
        new(info.Id, info.Name, info.Prefix, info.MaxRole, info.OrganisationId, info.WorkflowIds, info.CreatedAt, info.ExpiresAt, info.RevokedAt, info.LastUsedAt, token);
}

/// <summary>API tokens for CI pipelines: scoped, expiring, revocable. Managed only by a signed-in user, never by a token.</summary>
public static class TokenEndpoints
{
    public const int MaxLifetimeDays = Access.MaxTokenLifetimeDays;

    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/tokens").WithTags("Tokens").MapTokenEndpoints();
        return app;
    }

    private const string Columns = "id, name, prefix, max_role, organisation_id, workflow_ids, created_at, expires_at, revoked_at, last_used_at";

    public static RouteGroupBuilder MapTokenEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/", List).WithName("ListTokens");
        group.MapPost("/", Create).WithName("CreateToken").CarriesTokens();
        group.MapGet("/{id:guid}", Get).WithName("GetToken");
        group.MapDelete("/{id:guid}", Revoke).WithName("RevokeToken");
        return group;
    }

    // Settable properties rather than a positional record: Dapper cannot pick a constructor when uuid[] is NULL.
    private sealed class Row
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public string Prefix { get; init; } = "";
        public short MaxRole { get; init; }
        public Guid? OrganisationId { get; init; }
        public Guid[]? WorkflowIds { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public DateTime? LastUsedAt { get; init; }
    }

    public static async Task<Results<Ok<List<TokenInfo>>, ProblemHttpResult>> List(ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct)
    {
        if (TokensCannotManageTokens(user) is { } denied)
        {
            return denied;
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM api_tokens WHERE user_id = @user ORDER BY created_at DESC",
            new { user = user.GetCaller().UserId });
        return TypedResults.Ok(rows.Select(ToInfo).ToList());
    }

    public static async Task<Results<Ok<TokenInfo>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct)
    {
        if (TokensCannotManageTokens(user) is { } denied)
        {
            return denied;
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM api_tokens WHERE id = @id AND user_id = @user",
            new { id, user = user.GetCaller().UserId });
        return row is null ? Problems.NotFound("token") : TypedResults.Ok(ToInfo(row));
    }

    public static async Task<Results<Created<CreatedToken>, ProblemHttpResult>> Create(
        CreateTokenRequest request, ClaimsPrincipal user, NpgsqlDataSource database, TimeProvider time, CancellationToken ct)
    {
        if (TokensCannotManageTokens(user) is { } denied)
        {
            return denied;
        }

        var maxRole = Roles.Parse(request.MaxRole);
        if (Access.NewTokenProblem(request.Name, maxRole, request.ExpiresInDays, request.WorkflowIds?.Count) is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var caller = user.GetCaller();
        foreach (var workflowId in request.WorkflowIds ?? [])
        {
            // A token can only narrow what its creator may already see.
            if (await WorkflowAccess.RoleOfAsync(connection, caller, workflowId) == Role.None)
            {
                return Problems.NotFound();
            }
        }

        if (request.OrganisationId is { } org && await connection.ExecuteScalarAsync<short?>(
                "SELECT role FROM organisation_members WHERE organisation_id = @org AND user_id = @user", new { org, user = caller.UserId }) is null)
        {
            return Problems.NotFound("organisation");
        }

        var (token, hash, prefix) = ApiTokens.Create();
        var now = time.GetUtcNow();
        var id = Guid.NewGuid();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleAsync<Row>(
            $"""
            INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, max_role, organisation_id, workflow_ids, created_at, expires_at)
            VALUES (@id, @user, @name, @hash, @prefix, @maxRole, @org, @workflows, @now, @expires)
            RETURNING {Columns}
            """,
            new
            {
                id, user = caller.UserId, name = request.Name.Trim(), hash, prefix, maxRole = (short)maxRole!.Value, org = request.OrganisationId,
                workflows = request.WorkflowIds?.Distinct().ToArray(), now = now.UtcDateTime, expires = now.AddDays(request.ExpiresInDays).UtcDateTime,
            },
            transaction);
        await AuditLog.WriteAsync(connection, transaction, user, "token.created", null, new { tokenId = id, name = request.Name, maxRole = maxRole.Value.ToWire() }, now);
        await transaction.CommitAsync(ct);
        return TypedResults.Created($"/tokens/{id}", CreatedToken.Of(ToInfo(row), token));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(Guid id, ClaimsPrincipal user, NpgsqlDataSource database, TimeProvider time, CancellationToken ct)
    {
        if (TokensCannotManageTokens(user) is { } denied)
        {
            return denied;
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var now = time.GetUtcNow();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id AND user_id = @user",
            new { id, user = user.GetCaller().UserId, now = now.UtcDateTime },
            transaction);
        if (changed == 0)
        {
            return Problems.NotFound("token");
        }

        await AuditLog.WriteAsync(connection, transaction, user, "token.revoked", null, new { tokenId = id }, now);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult? TokensCannotManageTokens(ClaimsPrincipal user) =>
        Access.IsSignedIn(user.GetCaller()) ? null : Problems.Forbidden("API tokens cannot list, create or revoke tokens; sign in as a user.");

    private static TokenInfo ToInfo(Row r) => new(
        r.Id, r.Name, r.Prefix, ((Role)r.MaxRole).ToWire(), r.OrganisationId, r.WorkflowIds,
        WorkflowRows.Utc(r.CreatedAt), WorkflowRows.Utc(r.ExpiresAt),
        r.RevokedAt is { } revoked ? WorkflowRows.Utc(revoked) : null,
        r.LastUsedAt is { } used ? WorkflowRows.Utc(used) : null);
}
