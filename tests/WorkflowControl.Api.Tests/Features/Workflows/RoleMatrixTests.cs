using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace WorkflowControl.Api.Tests.Features.Workflows;

/// <summary>Every workflow endpoint against every kind of caller: anonymous 401, stranger 404, too low 403, enough 2xx.</summary>
public sealed class RoleMatrixTests
{
    public sealed record Endpoint(string Name, HttpMethod Method, string Path, string Required, Func<Guid, HttpContent?> Body)
    {
        public override string ToString() => Name;
    }

    private static readonly string[] Ranks = ["view", "execute", "edit", "manage", "owner"];

    public static IEnumerable<Endpoint> Endpoints() =>
    [
        new("get", HttpMethod.Get, "/workflows/{id}", "view", _ => null),
        new("export", HttpMethod.Get, "/workflows/{id}/export", "view", _ => null),
        new("versions", HttpMethod.Get, "/workflows/{id}/versions", "view", _ => null),
        new("version", HttpMethod.Get, "/workflows/{id}/versions/1", "view", _ => null),
        new("diff", HttpMethod.Get, "/workflows/{id}/diff?from=1&to=1", "view", _ => null),
        new("collaborators", HttpMethod.Get, "/workflows/{id}/collaborators", "view", _ => null),
        new("duplicate", HttpMethod.Post, "/workflows/{id}/duplicate", "view", _ => null),
        new("update", HttpMethod.Put, "/workflows/{id}", "edit", _ => TestUser.Json(Documents.Simple("Changed by the matrix"))),
        new("name version", HttpMethod.Post, "/workflows/{id}/versions", "edit", _ => JsonContent.Create(new { name = "Reviewed" })),
        new("restore", HttpMethod.Post, "/workflows/{id}/versions/1/restore", "edit", _ => null),
        new("grant", HttpMethod.Put, "/workflows/{id}/collaborators/{target}", "manage", _ => JsonContent.Create(new { role = "view" })),
        new("delete", HttpMethod.Delete, "/workflows/{id}", "manage", _ => null),
    ];

    [TestCaseSource(nameof(Endpoints))]
    public async Task Each_caller_gets_exactly_what_their_role_allows(Endpoint endpoint)
    {
        var failures = new List<string>();
        foreach (var caller in new[] { "anonymous", "stranger" }.Concat(Ranks))
        {
            var (client, workflowId, target) = await ArrangeAsync(caller);
            var request = new HttpRequestMessage(endpoint.Method, endpoint.Path.Replace("{id}", workflowId.ToString()).Replace("{target}", target.ToString()))
            {
                Content = endpoint.Body(workflowId),
            };
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            var status = (int)(await client.SendAsync(request)).StatusCode;

            var expected = caller switch
            {
                "anonymous" => "401",
                "stranger" => "404",
                _ when Array.IndexOf(Ranks, caller) < Array.IndexOf(Ranks, endpoint.Required) => "403",
                _ => "2xx",
            };
            var actual = status is >= 200 and < 300 ? "2xx" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (actual != expected)
            {
                failures.Add($"{caller}: expected {expected}, got {status}");
            }
        }

        Assert.That(failures, Is.Empty, $"{endpoint.Method} {endpoint.Path}");
    }

    /// <summary>A fresh workflow, the caller with the given relation to it, and a third user to grant roles to.</summary>
    private static async Task<(HttpClient Client, Guid WorkflowId, Guid Target)> ArrangeAsync(string caller)
    {
        var owner = await TestUser.SignUpAsync(name: "owner");
        var workflowId = await owner.CreateWorkflowIdAsync();
        var target = await TestUser.SignUpAsync(name: "target");
        if (caller == "anonymous")
        {
            return (ApiFixture.Factory.CreateClient(), workflowId, target.Id);
        }

        if (caller == "owner")
        {
            return (owner.Client, workflowId, target.Id);
        }

        var user = await TestUser.SignUpAsync(name: caller);
        if (caller != "stranger")
        {
            var grant = await owner.Client.PostAsJsonAsync($"/workflows/{workflowId}/collaborators", new { email = user.Email, role = caller });
            Assert.That(grant.StatusCode, Is.EqualTo(HttpStatusCode.OK), await grant.Content.ReadAsStringAsync());
        }

        return (user.Client, workflowId, target.Id);
    }

    [Test]
    public async Task Another_user_using_every_id_of_mine_always_gets_the_same_404_as_a_missing_workflow()
    {
        var alice = await TestUser.SignUpAsync(name: "alice");
        var id = await alice.CreateWorkflowIdAsync();
        var bob = await TestUser.SignUpAsync(name: "bob");
        var missing = Guid.NewGuid();

        foreach (var endpoint in Endpoints())
        {
            foreach (var target in new[] { id, missing })
            {
                var request = new HttpRequestMessage(endpoint.Method, endpoint.Path.Replace("{id}", target.ToString()).Replace("{target}", alice.Id.ToString()))
                {
                    Content = endpoint.Body(target),
                };
                request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
                var response = await bob.Client.SendAsync(request);
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{endpoint.Name} on {(target == id ? "alice's" : "a missing")} workflow");
                Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("No workflow with that id exists"));
            }
        }

        var list = await bob.Client.GetFromJsonAsync<JsonElement>("/workflows");
        Assert.That(list.GetProperty("total").GetInt32(), Is.Zero, "alice's workflow must not be listed for bob");
    }
}
