using System.Security.Claims;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>Accepts API tokens from the Authorization header only (never a query string, which ends up in logs).</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource database,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    // Settable properties rather than a positional record: Dapper cannot pick a constructor when uuid[] is NULL.
    private sealed class TokenRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public short MaxRole { get; init; }
        public Guid? OrganisationId { get; init; }
        public Guid[]? WorkflowIds { get; init; }
        public DateTime ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = AuthSetup.BearerToken(Request);
        if (!ApiTokens.LooksLikeApiToken(token))
        {
            return AuthenticateResult.NoResult();
        }

        await using var connection = await database.OpenConnectionAsync(Context.RequestAborted);
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(
            "SELECT id, user_id, max_role, organisation_id, workflow_ids, expires_at, revoked_at FROM api_tokens WHERE token_hash = @hash",
            new { hash = ApiTokens.Hash(token!) });
        var now = time.GetUtcNow();
        if (row is null || row.RevokedAt is not null || row.ExpiresAt <= now.UtcDateTime)
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }

        await connection.ExecuteAsync("UPDATE api_tokens SET last_used_at = @now WHERE id = @id", new { now = now.UtcDateTime, id = row.Id });
        var claims = new List<Claim>
        {
            new(WfcClaims.UserId, row.UserId.ToString()),
            new(WfcClaims.TokenId, row.Id.ToString()),
            new(WfcClaims.MaxRole, ((Role)row.MaxRole).ToWire()),
        };
        if (row.OrganisationId is { } org)
        {
            claims.Add(new(WfcClaims.Organisation, org.ToString()));
        }

        if (row.WorkflowIds is { } workflows)
        {
            claims.Add(new(WfcClaims.Workflows, string.Join(',', workflows)));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
