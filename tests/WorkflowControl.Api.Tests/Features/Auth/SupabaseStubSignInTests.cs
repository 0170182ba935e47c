using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Features.Auth;

/// <summary>
/// Supabase with the legacy HS256 secret: a password sign-in at the stand-in for Supabase Auth that the web app's
/// tests use (frontend/e2e/supabase-stub.mjs, run with node) yields a session the API accepts.
/// </summary>
[NonParallelizable]
public sealed class SupabaseStubSignInTests
{
    private const string Secret = "api-test-supabase-legacy-jwt-secret-0123456789abcdef";
    private Process _stub = null!;
    private string _stubUrl = "";
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepositoryRoot.Combine("frontend", "e2e", "supabase-stub.mjs"));
        start.Environment["SECRET"] = Secret;
        start.Environment["PORT"] = "0";
        _stub = Process.Start(start)!;
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var line = await _stub.StandardOutput.ReadLineAsync(ready.Token);
        if (line?.StartsWith("listening ", StringComparison.Ordinal) != true)
        {
            Assert.Fail($"the Supabase stub did not start: {await _stub.StandardError.ReadToEndAsync(ready.Token)}");
        }

        _stubUrl = line!["listening ".Length..];
        _api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Supabase:Url"] = _stubUrl,
            ["Auth:Supabase:JwtSecret"] = Secret,
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _api.DisposeAsync();
        _stub.Kill();
        await _stub.WaitForExitAsync();
        _stub.Dispose();
    }

    [Test]
    public async Task A_password_sign_in_at_supabase_gives_a_session_the_api_accepts()
    {
        var token = await SignInAtSupabaseAsync();
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await client.GetAsync("/auth/me");
        var created = await client.PostAsync("/workflows", TestUser.Json(Documents.Simple()));

        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK), await me.Content.ReadAsStringAsync());
        Assert.That((await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString(), Is.EqualTo("analyst@example.com"));
        Assert.That((int)created.StatusCode, Is.EqualTo(201), "the signed-in Supabase user can work");
    }

    [Test]
    public async Task A_session_with_a_forged_signature_is_refused()
    {
        var token = await SignInAtSupabaseAsync();
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}";
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);

        Assert.That((await client.GetAsync("/auth/me")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private async Task<string> SignInAtSupabaseAsync()
    {
        using var http = new HttpClient();
        var response = await http.PostAsJsonAsync($"{_stubUrl}/auth/v1/token?grant_type=password", new { email = "analyst@example.com", password = "correct horse battery" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }
}
