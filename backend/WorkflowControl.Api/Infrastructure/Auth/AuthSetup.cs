using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>
/// Three ways in, one principal shape: the API's own JWTs (local accounts), Supabase JWTs when configured, and
/// API tokens for CI. Whichever it is, the principal carries the internal user id in <see cref="WfcClaims.UserId"/>.
/// </summary>
public static class AuthSetup
{
    public const string SelectorScheme = "WorkflowControl";
    public const string LocalScheme = "Local";
    public const string SupabaseScheme = "Supabase";
    public const string HubPathPrefix = "/hubs/";

    public static IServiceCollection AddWorkflowAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SigningKeyStore>();
        services.AddSingleton<LocalTokens>();
        services.AddSingleton<UserDirectory>();

        var supabase = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>()?.Supabase ?? new SupabaseOptions();
        var auth = services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, SelectorScheme, o => o.ForwardDefaultSelector = context => SelectScheme(context, supabase))
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, _ => { })
            .AddJwtBearer(LocalScheme, o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = LocalTokens.Issuer,
                    ValidAudience = LocalTokens.Audience,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                o.Events = Events(onValidated: context =>
                {
                    var sub = context.Principal!.FindFirstValue(JwtRegisteredClaimNames.Sub);
                    AddUserId(context.Principal!, Guid.TryParse(sub, out var id) ? id : null, context);
                    return Task.CompletedTask;
                });
            });
        services.AddOptions<JwtBearerOptions>(LocalScheme).Configure<SigningKeyStore>((o, keys) =>
            o.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => [keys.Key]);

        if (supabase.Enabled)
        {
            auth.AddJwtBearer(SupabaseScheme, o => ConfigureSupabase(o, supabase));
        }

        services.AddAuthorization(o =>
        {
            // Every endpoint requires a signed-in caller unless it says AllowAnonymous.
            o.FallbackPolicy = o.DefaultPolicy;
        });
        return services;
    }

    /// <summary>The bearer token of the Authorization header, or, on hub paths only, the access_token query value.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Path.StartsWithSegments(HubPathPrefix.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
            ? request.Query["access_token"].ToString() is { Length: > 0 } query ? query : null
            : null;
    }

    private static string SelectScheme(HttpContext context, SupabaseOptions supabase)
    {
        var token = BearerToken(context.Request);
        if (ApiTokens.LooksLikeApiToken(token))
        {
            // API tokens in the query string are refused: they would be written to access logs.
            return context.Request.Headers.Authorization.Count > 0 ? ApiTokenAuthenticationHandler.SchemeName : LocalScheme;
        }

        if (supabase.Enabled && token is not null)
        {
            try
            {
                if (new JsonWebToken(token).Issuer == supabase.Issuer)
                {
                    return SupabaseScheme;
                }
            }
            catch (ArgumentException)
            {
                // Not a JWT at all: the local scheme will reject it with a proper 401.
            }
        }

        return LocalScheme;
    }

    private static void ConfigureSupabase(JwtBearerOptions o, SupabaseOptions supabase)
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = supabase.Issuer,
            ValidAudience = "authenticated",
            ClockSkew = TimeSpan.FromSeconds(30),
            ValidateIssuerSigningKey = true,
        };
        if (!string.IsNullOrEmpty(supabase.JwtSecret))
        {
            o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(supabase.JwtSecret));
        }
        else
        {
            var jwks = supabase.Issuer + "/.well-known/jwks.json";
            o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                jwks,
                new JwksRetriever(),
                new HttpDocumentRetriever { RequireHttps = jwks.StartsWith("https://", StringComparison.Ordinal) })
            {
                // Keys are fetched again at most every 15 minutes, even when an unknown key id shows up.
                AutomaticRefreshInterval = TimeSpan.FromMinutes(15),
                RefreshInterval = TimeSpan.FromMinutes(15),
            };
        }

        o.Events = Events(onValidated: async context =>
        {
            var principal = context.Principal!;
            // The anon and service_role keys are JWTs too; only signed-in users may call the API.
            if (principal.FindFirstValue("role") != "authenticated" || principal.FindFirstValue(JwtRegisteredClaimNames.Sub) is not { Length: > 0 } subject)
            {
                context.Fail("Only signed-in Supabase users may call the API; anon and service_role keys are refused.");
                return;
            }

            var users = context.HttpContext.RequestServices.GetRequiredService<UserDirectory>();
            var id = await users.EnsureExternalUserAsync(supabase.Issuer, subject, principal.FindFirstValue(JwtRegisteredClaimNames.Email), context.HttpContext.RequestAborted);
            AddUserId(principal, id, context);
        });
    }

    private static JwtBearerEvents Events(Func<TokenValidatedContext, Task> onValidated) => new()
    {
        OnTokenValidated = onValidated,
        // Browsers cannot set headers on WebSockets or server-sent events: on hub paths the token may come as ?access_token=.
        OnMessageReceived = context =>
        {
            context.Token = BearerToken(context.Request);
            return Task.CompletedTask;
        },
        // Never log or echo tokens; a short reason is enough for the caller.
        OnChallenge = context =>
        {
            context.HandleResponse();
            return WriteUnauthorized(context.HttpContext, context.AuthenticateFailure is SecurityTokenExpiredException
                ? "Your session has expired. Sign in again."
                : "Sign in or send a valid API token in the Authorization header.");
        },
    };

    public static async Task WriteUnauthorized(HttpContext context, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        // TryWrite: a client that accepts no JSON (SignalR's negotiate from a browser) still gets its plain 401.
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = 401, Title = "Not signed in", Detail = detail },
        });
    }

    private static void AddUserId(ClaimsPrincipal principal, Guid? userId, TokenValidatedContext context)
    {
        if (userId is null)
        {
            context.Fail("The token names no user.");
            return;
        }

        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(WfcClaims.UserId, userId.Value.ToString()));
    }

    /// <summary>Reads a bare JWKS document (Supabase publishes keys without a full OpenID discovery document).</summary>
    private sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var json = await retriever.GetDocumentAsync(address, cancel);
            var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = new JsonWebKeySet(json), JwksUri = address };
            foreach (var key in configuration.JsonWebKeySet.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            return configuration;
        }
    }
}

/// <summary>Maps external identities (issuer, subject) to internal users. Never keyed by e-mail.</summary>
public sealed class UserDirectory(NpgsqlDataSource database, TimeProvider time)
{
    public async Task<Guid> EnsureExternalUserAsync(string issuer, string subject, string? email, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<Guid>(
            """
            INSERT INTO users (id, issuer, subject, email, display_name, created_at)
            VALUES (@id, @issuer, @subject, @email, @name, @now)
            ON CONFLICT (issuer, subject) DO UPDATE SET email = EXCLUDED.email
            RETURNING id
            """,
            new { id = Guid.NewGuid(), issuer, subject, email, name = email ?? subject, now = time.GetUtcNow().UtcDateTime });
    }
}
