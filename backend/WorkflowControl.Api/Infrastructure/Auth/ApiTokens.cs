using System.Security.Cryptography;
using System.Text;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>API tokens for CI: random, shown once, stored only as a SHA-256 hash (they carry 256 bits of entropy).</summary>
public static class ApiTokens
{
    public const string Prefix = "wfc_";

    public static (string Token, byte[] Hash, string DisplayPrefix) Create()
    {
        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token), token[..(Prefix.Length + 6)]);
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool LooksLikeApiToken(string? bearer) => bearer is not null && bearer.StartsWith(Prefix, StringComparison.Ordinal);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
