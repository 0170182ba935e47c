using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;

namespace WorkflowControl.Api.Features.Auth;

public sealed record SignUpRequest(string Email, string Password, string? DisplayName);

public sealed record SignInRequest(string Email, string Password);

public sealed record UserInfo(Guid Id, string? Email, string DisplayName);

public sealed record SessionResponse(string Token, DateTimeOffset ExpiresAt, UserInfo User);

public sealed record AuthConfigResponse(string Mode, string? SupabaseUrl, string? SupabaseAnonKey);

/// <summary>Local accounts (the embedded default): sign-up, sign-in, who am I, and how the web app should sign in.</summary>
public static class AuthEndpoints
{
    public const int MinPasswordLength = 10;

    private static readonly PasswordHasher<string> Hasher = new();

    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder group)
    {
        // Throttled per address (rate limiter middleware) and per account (filter); answers carry a session token.
        group.MapPost("/signup", SignUp).AllowAnonymous().WithName("SignUp")
            .CarriesTokens().RequireRateLimiting(AuthThrottle.PolicyName).AddEndpointFilter<AccountThrottleFilter>();
        group.MapPost("/signin", SignIn).AllowAnonymous().WithName("SignIn")
            .CarriesTokens().RequireRateLimiting(AuthThrottle.PolicyName).AddEndpointFilter<AccountThrottleFilter>();
        group.MapGet("/me", Me).WithName("Me");
        group.MapGet("/config", Config).AllowAnonymous().WithName("AuthConfig");
        return group;
    }

    public static async Task<Results<Created<SessionResponse>, ProblemHttpResult>> SignUp(
        SignUpRequest request, HttpContext http, NpgsqlDataSource database, LocalTokens tokens, TimeProvider time, CancellationToken ct)
    {
        var email = request.Email?.Trim() ?? "";
        if (!new EmailAddressAttribute().IsValid(email) || email.Length > 254)
        {
            return Problems.BadRequest("Enter a valid e-mail address.");
        }

        if ((request.Password?.Length ?? 0) < MinPasswordLength)
        {
            return Problems.BadRequest($"Choose a password of at least {MinPasswordLength} characters.");
        }

        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? email.Split('@')[0] : request.DisplayName.Trim();
        if (displayName.Length > 100 || displayName.Contains('\0', StringComparison.Ordinal))
        {
            return Problems.BadRequest("The display name must be at most 100 characters.");
        }

        var id = Guid.NewGuid();
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(ct);
        try
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO users (id, issuer, subject, email, display_name, password_hash, created_at)
                VALUES (@id, @issuer, @subject, @email, @displayName, @hash, @now)
                """,
                new { id, issuer = LocalTokens.Issuer, subject = id.ToString(), email, displayName, hash = Hasher.HashPassword(email, request.Password!), now = now.UtcDateTime });
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problems.Conflict("An account with this e-mail address already exists. Sign in instead.");
        }

        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(WfcClaims.UserId, id.ToString())], "signup"));
        await AuditLog.WriteAsync(connection, null, user, "user.signed_up", null, null, now);
        var (token, expires) = tokens.Issue(id, email, displayName);
        return TypedResults.Created("/auth/me", new SessionResponse(token, expires, new UserInfo(id, email, displayName)));
    }

    private sealed record Account(Guid Id, string Email, string DisplayName, string PasswordHash);

    public static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> SignIn(
        SignInRequest request, NpgsqlDataSource database, LocalTokens tokens, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var account = await connection.QuerySingleOrDefaultAsync<Account>(
            "SELECT id, email, display_name, password_hash FROM users WHERE lower(email) = lower(@email) AND password_hash IS NOT NULL",
            new { email = request.Email?.Trim() ?? "" });
        var verified = account is not null
            && Hasher.VerifyHashedPassword(account.Email, account.PasswordHash, request.Password ?? "") != PasswordVerificationResult.Failed;
        if (!verified)
        {
            return TypedResults.Problem(statusCode: 401, title: "Sign-in failed", detail: "The e-mail address or the password is wrong.");
        }

        var (token, expires) = tokens.Issue(account!.Id, account.Email, account.DisplayName);
        return TypedResults.Ok(new SessionResponse(token, expires, new UserInfo(account.Id, account.Email, account.DisplayName)));
    }

    public static async Task<Results<Ok<UserInfo>, ProblemHttpResult>> Me(ClaimsPrincipal user, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var info = await connection.QuerySingleOrDefaultAsync<UserInfo>(
            "SELECT id, email, display_name FROM users WHERE id = @id", new { id = user.GetCaller().UserId });
        return info is null ? Problems.NotFound("user") : TypedResults.Ok(info);
    }

    public static Ok<AuthConfigResponse> Config(IOptions<AuthOptions> options)
    {
        var supabase = options.Value.Supabase;
        return TypedResults.Ok(supabase.Enabled
            ? new AuthConfigResponse("supabase", supabase.Url, supabase.AnonKey)
            : new AuthConfigResponse("local", null, null));
    }
}
