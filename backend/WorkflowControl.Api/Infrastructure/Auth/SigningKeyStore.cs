using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>The key the API signs its own JWTs with: from configuration, or generated once and kept in the database.</summary>
public sealed class SigningKeyStore(IOptions<AuthOptions> options, NpgsqlDataSource database)
{
    private readonly Lazy<SymmetricSecurityKey> _key = new(() => Load(options.Value, database));

    public SymmetricSecurityKey Key => _key.Value;

    private static SymmetricSecurityKey Load(AuthOptions options, NpgsqlDataSource database)
    {
        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
        }

        using var connection = database.OpenConnection();
        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        // Several instances may start at once: the first insert wins and everyone reads the same key.
        connection.Execute("INSERT INTO app_settings (key, value) VALUES ('jwt_signing_key', @generated) ON CONFLICT (key) DO NOTHING", new { generated });
        var stored = connection.QuerySingle<string>("SELECT value FROM app_settings WHERE key = 'jwt_signing_key'");
        return new SymmetricSecurityKey(Convert.FromBase64String(stored));
    }
}
