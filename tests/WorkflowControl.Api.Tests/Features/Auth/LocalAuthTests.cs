using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WorkflowControl.Api.Tests.Features.Auth;

public sealed class LocalAuthTests
{
    [Test]
    public async Task Sign_up_then_sign_in_gives_a_session_for_the_same_user()
    {
        var user = await TestUser.SignUpAsync(name: "ana");
        var client = ApiFixture.Factory.CreateClient();

        var signIn = await client.PostAsJsonAsync("/auth/signin", new { email = user.Email.ToUpperInvariant(), password = "correct horse battery" });
        var session = await signIn.Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
        var me = await client.GetFromJsonAsync<JsonElement>("/auth/me");

        Assert.That(me.GetProperty("id").GetGuid(), Is.EqualTo(user.Id));
        Assert.That(me.GetProperty("displayName").GetString(), Is.EqualTo("ana"));
    }

    [Test]
    public async Task Wrong_password_is_refused_without_saying_which_part_was_wrong()
    {
        var user = await TestUser.SignUpAsync();

        var wrong = await ApiFixture.Factory.CreateClient().PostAsJsonAsync("/auth/signin", new { email = user.Email, password = "not the password" });
        var unknown = await ApiFixture.Factory.CreateClient().PostAsJsonAsync("/auth/signin", new { email = "nobody@example.com", password = "not the password" });

        var wrongProblem = await wrong.Content.ReadFromJsonAsync<JsonElement>();
        var unknownProblem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(wrongProblem.GetProperty("detail").GetString(), Is.EqualTo(unknownProblem.GetProperty("detail").GetString()));
    }

    [Test]
    public async Task Signing_up_twice_with_one_email_is_a_conflict()
    {
        var user = await TestUser.SignUpAsync();

        var again = await ApiFixture.Factory.CreateClient().PostAsJsonAsync("/auth/signup", new { email = user.Email, password = "another long password" });

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task Short_password_is_refused_with_the_minimum_length()
    {
        var response = await ApiFixture.Factory.CreateClient().PostAsJsonAsync("/auth/signup", new { email = "short@example.com", password = "short" });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("at least 10 characters"));
    }

    [TestCase("no token")]
    [TestCase("garbage")]
    [TestCase("expired")]
    [TestCase("foreign key")]
    [TestCase("foreign issuer")]
    public async Task Requests_without_a_valid_token_get_401_problem_details(string kind)
    {
        var client = ApiFixture.Factory.CreateClient();
        var token = kind switch
        {
            "no token" => null,
            "garbage" => "not-a-jwt",
            "expired" => Sign(ApiFixture.SigningKey, "workflowcontrol", DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddMinutes(-5)),
            "foreign key" => Sign("some-other-key-that-is-also-long-enough-000000", "workflowcontrol", DateTime.UtcNow, DateTime.UtcNow.AddHours(1)),
            _ => Sign(ApiFixture.SigningKey, "someone-else", DateTime.UtcNow, DateTime.UtcNow.AddHours(1)),
        };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.GetAsync("/workflows");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        if (kind == "expired")
        {
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("expired"));
        }
    }

    [Test]
    public async Task A_token_in_the_query_string_is_ignored_outside_hub_paths()
    {
        var user = await TestUser.SignUpAsync();

        var response = await ApiFixture.Factory.CreateClient().GetAsync($"/workflows?access_token={user.Token}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    internal static string Sign(string key, string issuer, DateTime notBefore, DateTime expires, string? subject = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "workflowcontrol-api",
            Subject = new ClaimsIdentity([new Claim("sub", subject ?? Guid.NewGuid().ToString())]),
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
}
