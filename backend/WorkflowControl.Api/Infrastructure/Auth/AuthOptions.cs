using System.ComponentModel.DataAnnotations;

namespace WorkflowControl.Api.Infrastructure.Auth;

public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Key for the API's own JWTs (32+ characters). When empty, one is generated once and stored in the database.</summary>
    [MinLength(32, ErrorMessage = "Auth:SigningKey must be at least 32 characters.")]
    public string? SigningKey { get; set; }

    [Range(1, 720, ErrorMessage = "Auth:TokenLifetimeHours must be between 1 and 720.")]
    public int TokenLifetimeHours { get; set; } = 12;

    public SupabaseOptions Supabase { get; set; } = new();
}

public sealed class SupabaseOptions
{
    /// <summary>The project URL, e.g. https://abc.supabase.co. When set, Supabase JWTs are accepted.</summary>
    [Url(ErrorMessage = "Auth:Supabase:Url must be an absolute URL.")]
    public string? Url { get; set; }

    /// <summary>The legacy HS256 JWT secret; when empty, keys come from the project's JWKS.</summary>
    public string? JwtSecret { get; set; }

    /// <summary>The public anon key, handed to the web app for sign-in. Never accepted as a credential.</summary>
    public string? AnonKey { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public string Issuer => Url!.TrimEnd('/') + "/auth/v1";
}
