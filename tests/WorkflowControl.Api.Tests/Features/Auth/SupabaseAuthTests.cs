using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace WorkflowControl.Api.Tests.Features.Auth;

/// <summary>Supabase mode: JWTs checked against the project's JWKS (served here by WireMock), users keyed by (issuer, subject).</summary>
public sealed class SupabaseAuthTests
{
    private WireMockServer _supabase = null!;
    private ApiFactory _api = null!;
    private RsaSecurityKey _key = null!;
    private string _issuer = "";

    [OneTimeSetUp]
    public void Start()
    {
        _supabase = WireMockServer.Start();
        _issuer = _supabase.Url + "/auth/v1";
        _key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key-1" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(_key);
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        _supabase.Given(Request.Create().WithPath("/auth/v1/.well-known/jwks.json").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(jwks));
        _api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["Auth:Supabase:Url"] = _supabase.Url });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _api.DisposeAsync();
        _supabase.Stop();
        _supabase.Dispose();
    }

    [Test]
    public async Task A_signed_in_supabase_user_is_accepted_and_keyed_by_issuer_and_subject()
    {
        var subject = Guid.NewGuid().ToString();

        var first = await MeAsync(Token(subject, "authenticated", "authenticated", "first@example.com"));
        var renamed = await MeAsync(Token(subject, "authenticated", "authenticated", "changed@example.com"));
        var otherSubjectSameEmail = await MeAsync(Token(Guid.NewGuid().ToString(), "authenticated", "authenticated", "changed@example.com"));

        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(renamed.Id, Is.EqualTo(first.Id), "an e-mail change keeps the same user");
        Assert.That(otherSubjectSameEmail.Id, Is.Not.EqualTo(first.Id), "users are never matched by e-mail");
    }

    [TestCase("anon", "authenticated")]
    [TestCase("service_role", "authenticated")]
    [TestCase("authenticated", "someone-else")]
    public async Task Anon_and_service_role_keys_and_foreign_audiences_are_refused(string role, string audience)
    {
        var response = await MeAsync(Token(Guid.NewGuid().ToString(), role, audience, "x@example.com"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_token_signed_by_a_key_not_in_the_jwks_is_refused()
    {
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "not-published" };

        var response = await MeAsync(Token(Guid.NewGuid().ToString(), "authenticated", "authenticated", "x@example.com", stranger));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Local_accounts_keep_working_beside_supabase()
    {
        var local = await TestUser.SignUpAsync(_api);

        var me = await local.Client.GetAsync("/auth/me");

        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<(HttpStatusCode Status, Guid? Id)> MeAsync(string token)
    {
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.GetAsync("/auth/me");
        return (response.StatusCode, response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid() : null);
    }

    private string Token(string subject, string role, string audience, string email, RsaSecurityKey? key = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("role", role), new Claim("email", email)]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(key ?? _key, SecurityAlgorithms.RsaSha256),
        });
}
