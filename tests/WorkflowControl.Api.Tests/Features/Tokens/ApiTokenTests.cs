using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace WorkflowControl.Api.Tests.Features.Tokens;

public sealed class ApiTokenTests
{
    [Test]
    public async Task A_token_is_shown_once_and_stored_only_as_a_hash()
    {
        var user = await TestUser.SignUpAsync();

        var created = await CreateTokenAsync(user, new { name = "ci", maxRole = "edit" });
        var listed = await user.Client.GetStringAsync("/tokens");
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        var stored = await db.QuerySingleAsync<string>("SELECT row_to_json(t)::text FROM api_tokens t WHERE user_id = @id", new { id = user.Id });

        Assert.That(created, Does.StartWith("wfc_"));
        Assert.That(listed, Does.Not.Contain(created));
        Assert.That(stored, Does.Not.Contain(created[4..]));
    }

    [Test]
    public async Task Creating_a_token_answers_201_with_its_location_and_the_resource_with_the_secret_once()
    {
        var user = await TestUser.SignUpAsync();
        var other = await TestUser.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync("/tokens", new { name = "pipeline", maxRole = "execute", expiresInDays = 7 });
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fetched = await user.Client.GetFromJsonAsync<JsonElement>(response.Headers.Location!);
        var theirs = await other.Client.GetAsync(response.Headers.Location!);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = created.GetProperty("id").GetGuid();
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo($"/tokens/{id}"));
        Assert.That(created.GetProperty("name").GetString(), Is.EqualTo("pipeline"));
        Assert.That(created.GetProperty("maxRole").GetString(), Is.EqualTo("execute"));
        Assert.That(created.GetProperty("token").GetString(), Does.StartWith(created.GetProperty("prefix").GetString()!), "the secret, flat beside the resource");
        Assert.That(created.TryGetProperty("info", out _), Is.False, "no nested info object");
        Assert.That(fetched.GetProperty("id").GetGuid(), Is.EqualTo(id));
        Assert.That(fetched.GetProperty("expiresAt").GetDateTimeOffset(), Is.EqualTo(created.GetProperty("expiresAt").GetDateTimeOffset()));
        Assert.That(fetched.TryGetProperty("token", out _), Is.False, "the secret is shown once");
        Assert.That(theirs.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another user's token does not exist for them");
    }

    [Test]
    public async Task A_token_acts_for_its_user_within_its_maximum_role()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var viewOnly = Client(await CreateTokenAsync(user, new { name = "read", maxRole = "view" }));

        var read = await viewOnly.GetAsync($"/workflows/{id}");
        var write = await Put(viewOnly, id);

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString(), Is.EqualTo("view"));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_token_scoped_to_named_workflows_sees_no_others()
    {
        var user = await TestUser.SignUpAsync();
        var allowed = await user.CreateWorkflowIdAsync();
        var other = await user.CreateWorkflowIdAsync(Documents.Simple("Other"));
        var scoped = Client(await CreateTokenAsync(user, new { name = "one", maxRole = "edit", workflowIds = new[] { allowed } }));

        var list = await scoped.GetFromJsonAsync<JsonElement>("/workflows");

        Assert.That((await scoped.GetAsync($"/workflows/{allowed}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await scoped.GetAsync($"/workflows/{other}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()), Is.EqualTo(new[] { allowed }));
    }

    [Test]
    public async Task Revoked_and_expired_tokens_are_refused()
    {
        var user = await TestUser.SignUpAsync();
        var revoked = await CreateTokenAsync(user, new { name = "revoked", maxRole = "view" });
        var expired = await CreateTokenAsync(user, new { name = "expired", maxRole = "view" });
        var tokens = await user.Client.GetFromJsonAsync<JsonElement>("/tokens");
        var revokedId = tokens.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "revoked").GetProperty("id").GetGuid();

        await user.Client.DeleteAsync($"/tokens/{revokedId}");
        await using (var db = new NpgsqlConnection(ApiFixture.ConnectionString))
        {
            await db.ExecuteAsync("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = @id AND name = 'expired'", new { id = user.Id });
        }

        Assert.That((await Client(revoked).GetAsync("/workflows")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Client(expired).GetAsync("/workflows")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Tokens_are_accepted_only_in_the_authorization_header()
    {
        var user = await TestUser.SignUpAsync();
        var token = await CreateTokenAsync(user, new { name = "header", maxRole = "view" });

        var viaQuery = await ApiFixture.Factory.CreateClient().GetAsync($"/workflows?access_token={token}");

        Assert.That(viaQuery.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_token_cannot_mint_more_tokens()
    {
        var user = await TestUser.SignUpAsync();
        var token = Client(await CreateTokenAsync(user, new { name = "ci", maxRole = "manage" }));

        var response = await token.PostAsJsonAsync("/tokens", new { name = "escalate", maxRole = "manage" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    private static async Task<string> CreateTokenAsync(TestUser user, object request)
    {
        var response = await user.Client.PostAsJsonAsync("/tokens", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static HttpClient Client(string token)
    {
        var client = ApiFixture.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, Guid id)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/workflows/{id}") { Content = TestUser.Json(Documents.Simple("Changed")) };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        return client.SendAsync(request);
    }
}
