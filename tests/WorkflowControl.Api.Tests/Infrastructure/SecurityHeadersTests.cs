using System.Net;
using System.Net.Http.Json;

namespace WorkflowControl.Api.Tests.Infrastructure;

/// <summary>Answers are never sniffed as another content type, and answers that carry tokens are never stored.</summary>
public sealed class SecurityHeadersTests
{
    [Test]
    public async Task A_session_token_answer_says_nosniff_and_no_store()
    {
        var client = ApiFixture.Factory.CreateClient();

        var response = await client.PostAsJsonAsync("/auth/signup", new { email = $"h-{Guid.NewGuid():N}@example.com", password = "correct horse battery" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
    }

    [Test]
    public async Task An_API_token_answer_says_no_store()
    {
        var user = await TestUser.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync("/tokens", new { name = "ci", maxRole = "view", expiresInDays = 1 });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
    }

    [TestCase("/health")]
    [TestCase("/workflows/not-a-route")]
    public async Task Every_answer_says_nosniff_errors_included(string path)
    {
        var response = await ApiFixture.Factory.CreateClient().GetAsync(path);

        Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }), $"{(int)response.StatusCode} {path}");
    }

    [Test]
    public async Task A_bad_request_body_answer_says_nosniff()
    {
        var response = await ApiFixture.Factory.CreateClient().PostAsync("/auth/signin", new StringContent("{\"email\":", System.Text.Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
    }
}
