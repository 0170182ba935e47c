using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>Issues the API's own JWTs for local accounts.</summary>
public sealed class LocalTokens(SigningKeyStore keys, IOptions<AuthOptions> options, TimeProvider time)
{
    public const string Issuer = "workflowcontrol";
    public const string Audience = "workflowcontrol-api";

    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid userId, string email, string displayName)
    {
        var now = time.GetUtcNow();
        var expires = now.AddHours(options.Value.TokenLifetimeHours);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()),
                new Claim(JwtRegisteredClaimNames.Email, email),
                new Claim("name", displayName),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            ]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
        };
        return (new JsonWebTokenHandler().CreateToken(descriptor), expires);
    }
}
