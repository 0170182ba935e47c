using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Api.Tests.Features.Workflows;

public sealed class WorkflowCrudTests
{
    [Test]
    public async Task Created_workflow_reads_back_unchanged_with_its_version_as_etag()
    {
        var user = await TestUser.SignUpAsync();
        var document = Documents.Simple("Quarterly report ✨ \"quoted\"");
        var id = await user.CreateWorkflowIdAsync(document);

        var response = await user.Client.GetAsync($"/workflows/{id}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        Assert.That(body.GetProperty("role").GetString(), Is.EqualTo("owner"));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(body.GetProperty("document").GetRawText()), Normalized(document)), Is.True,
            "the stored document differs from what was sent");
    }

    [Test]
    public async Task A_new_workflow_that_names_no_execution_mode_is_fused_and_keeps_its_mode_when_an_update_names_none()
    {
        var user = await TestUser.SignUpAsync();
        var document = Documents.Simple();
        document["spec"]!.AsObject().Remove("execution");
        var id = await user.CreateWorkflowIdAsync(document);
        Assert.That(await ExecutionOf(user, id), Is.EqualTo("fused"), "new workflows run fused");

        var renamed = Documents.Simple("Renamed");
        renamed["spec"]!.AsObject().Remove("execution");
        var response = await Put(user, id, renamed, "\"1\"");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(await ExecutionOf(user, id), Is.EqualTo("fused"), "an update that leaves the mode out keeps it");
    }

    [Test]
    public async Task A_workflow_that_runs_per_step_stays_per_step_when_an_update_names_no_mode()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple());
        var renamed = Documents.Simple("Renamed");
        renamed["spec"]!.AsObject().Remove("execution");

        var response = await Put(user, id, renamed, "\"1\"");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(await ExecutionOf(user, id), Is.EqualTo("per-step"));
    }

    private static async Task<string?> ExecutionOf(TestUser user, Guid id)
    {
        var body = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}");
        return body.GetProperty("document").GetProperty("spec").TryGetProperty("execution", out var mode) ? mode.GetString() : null;
    }

    [Test]
    public async Task What_get_returns_is_accepted_unchanged_by_put_including_nulls()
    {
        var user = await TestUser.SignUpAsync();
        var document = Documents.Simple();
        document.Remove("layout");
        document["metadata"]!["description"] = null;
        document["spec"]!["schedule"] = null;
        document["spec"]!["params"] = new JsonObject { ["label"] = new JsonObject { ["type"] = "string", ["default"] = null, ["description"] = null } };
        var id = await user.CreateWorkflowIdAsync(document);
        var read = await user.Client.GetAsync($"/workflows/{id}");
        var stored = JsonNode.Parse((await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("document").GetRawText())!.AsObject();
        stored["metadata"]!["name"] = "Renamed after a round trip";

        var response = await Put(user, id, stored, read.Headers.ETag!.Tag);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Update_with_current_version_creates_the_next_version()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var changed = Documents.Simple("Renamed");

        var response = await Put(user, id, changed, "\"1\"");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
        var versions = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/versions?every=true");
        Assert.That(versions.GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task Stale_update_returns_412_with_the_current_version_and_changes_nothing()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        await Put(user, id, Documents.Simple("Second"), "\"1\"");

        var stale = await Put(user, id, Documents.Simple("Based on the first"), "\"1\"");
        var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(problem.GetProperty("currentVersion").GetInt32(), Is.EqualTo(2));
        Assert.That(problem.GetProperty("current").GetProperty("document").GetProperty("metadata").GetProperty("name").GetString(), Is.EqualTo("Second"));
        var current = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}");
        Assert.That(current.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(current.GetProperty("document").GetProperty("metadata").GetProperty("name").GetString(), Is.EqualTo("Second"));
    }

    [Test]
    public async Task Update_without_if_match_is_refused_with_428()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var response = await user.Client.PutAsync($"/workflows/{id}", TestUser.Json(Documents.Simple("x")));

        Assert.That((int)response.StatusCode, Is.EqualTo(428));
    }

    [Test]
    public async Task Saving_the_same_document_again_does_not_create_a_version()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var response = await Put(user, id, Documents.Simple(), "\"1\"");

        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
    }

    [Test]
    public async Task Twenty_concurrent_updates_on_one_base_version_have_exactly_one_winner()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Put(user, id, Documents.Simple($"Edit {i}"), "\"1\"")));

        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode).Order());
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), statuses);
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed), Is.EqualTo(19), statuses);
        var winner = await responses.Single(r => r.IsSuccessStatusCode).Content.ReadFromJsonAsync<JsonElement>();
        var versions = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/versions?every=true");
        Assert.That(versions.GetArrayLength(), Is.EqualTo(2), "exactly one new version");
        var current = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}");
        Assert.That(current.GetProperty("document").GetProperty("metadata").GetProperty("name").GetString(),
            Is.EqualTo(winner.GetProperty("document").GetProperty("metadata").GetProperty("name").GetString()));
    }

    [Test]
    public async Task Concurrent_chains_of_updates_lose_no_version()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var accepted = 0;

        // Twenty clients each retry until their edit lands on the then-current version.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var current = await user.Client.GetAsync($"/workflows/{id}");
                var response = await Put(user, id, Documents.Simple($"Client {i}"), current.Headers.ETag!.Tag);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref accepted);
                    return;
                }
            }
        }));

        var versions = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/versions?every=true");
        var numbers = versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()).OrderBy(v => v).ToList();
        Assert.That(numbers, Is.EqualTo(Enumerable.Range(1, accepted + 1).ToList()), "versions must be 1..n without gaps");
        Assert.That(accepted, Is.EqualTo(20));
    }

    [Test]
    public async Task Delete_removes_the_workflow_for_everyone()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var deleted = await user.Client.DeleteAsync($"/workflows/{id}");
        var after = await user.Client.GetAsync($"/workflows/{id}");

        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Export_then_import_gives_an_equal_workflow()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("Exported"));

        var exported = await user.Client.GetStringAsync($"/workflows/{id}/export");
        var imported = await user.Client.PostAsync("/workflows/import", new StringContent(exported, System.Text.Encoding.UTF8, "application/json"));
        var body = await imported.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(imported.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(body.GetProperty("document").GetRawText(), Is.EqualTo(JsonSerializer.Serialize(JsonDocument.Parse(exported).RootElement)));
    }

    [Test]
    public async Task Duplicate_creates_an_independent_copy_owned_by_the_caller()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("Original", key: "original"));

        var copy = await user.Client.PostAsync($"/workflows/{id}/duplicate", null);
        var body = await copy.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(copy.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(body.GetProperty("id").GetGuid(), Is.Not.EqualTo(id));
        Assert.That(body.GetProperty("document").GetProperty("metadata").GetProperty("name").GetString(), Is.EqualTo("Copy of Original"));
    }

    [Test]
    public async Task Key_is_unique_per_owner()
    {
        var user = await TestUser.SignUpAsync();
        await user.CreateWorkflowIdAsync(Documents.Simple("One", key: "daily-sales"));

        var second = await user.Client.PostAsync("/workflows", TestUser.Json(Documents.Simple("Two", key: "daily-sales")));
        var other = await TestUser.SignUpAsync();
        var othersOwn = await other.Client.PostAsync("/workflows", TestUser.Json(Documents.Simple("Mine", key: "daily-sales")));

        var byKey = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?key=daily-sales");
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(byKey.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()), Is.EqualTo(new[] { "One" }), "the key filter matches exactly");
        Assert.That(othersOwn.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Restore_makes_an_old_version_current_as_a_new_version()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("First"));
        await Put(user, id, Documents.Simple("Second"), "\"1\"");

        var restored = await user.Client.PostAsync($"/workflows/{id}/versions/1/restore", null);
        var body = await restored.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(body.GetProperty("version").GetInt32(), Is.EqualTo(3));
        Assert.That(body.GetProperty("document").GetProperty("metadata").GetProperty("name").GetString(), Is.EqualTo("First"));
    }

    [Test]
    public async Task Diff_lists_what_changed_between_two_versions()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("First"));
        var second = Documents.Simple("Second");
        ((JsonArray)second["spec"]!["tasks"]!).Add(Documents.Task("publish", "test.step", new JsonObject(), "clean"));
        await Put(user, id, second, "\"1\"");

        var diff = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/diff?from=1&to=2");
        var changes = diff.GetProperty("changes").EnumerateArray().Select(c => $"{c.GetProperty("kind").GetString()} {c.GetProperty("pointer").GetString()}").ToList();

        Assert.That(changes, Is.EquivalentTo(new[] { "changed /metadata/name", "added /spec/tasks/2" }));
    }

    [Test]
    public async Task List_filters_sorts_and_pages_the_callers_workflows()
    {
        var user = await TestUser.SignUpAsync();
        var tagged = Documents.Simple("Bravo");
        tagged["metadata"]!["tags"] = new JsonArray("finance");
        await user.CreateWorkflowIdAsync(tagged);
        await user.CreateWorkflowIdAsync(Documents.Simple("Alpha"));
        await user.CreateWorkflowIdAsync(Documents.Simple("Charlie"));
        var stranger = await TestUser.SignUpAsync();
        await stranger.CreateWorkflowIdAsync(Documents.Simple("Alpha of someone else"));

        var byName = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?sort=name&pageSize=2&page=1");
        var secondPage = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?sort=name&pageSize=2&page=2");
        var finance = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?tag=finance");
        var search = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?search=alp");

        Assert.That(Names(byName), Is.EqualTo(new[] { "Alpha", "Bravo" }));
        Assert.That(byName.GetProperty("total").GetInt32(), Is.EqualTo(3));
        Assert.That(Names(secondPage), Is.EqualTo(new[] { "Charlie" }));
        Assert.That(Names(finance), Is.EqualTo(new[] { "Bravo" }));
        Assert.That(Names(search), Is.EqualTo(new[] { "Alpha" }));
    }

    [Test]
    public async Task Shared_with_me_pages_and_counts_only_workflows_others_share()
    {
        var user = await TestUser.SignUpAsync();
        await user.CreateWorkflowIdAsync(Documents.Simple("Mine first"));
        await user.CreateWorkflowIdAsync(Documents.Simple("Mine second"));
        var colleague = await TestUser.SignUpAsync();
        foreach (var name in new[] { "Theirs A", "Theirs B", "Theirs C" })
        {
            var id = await colleague.CreateWorkflowIdAsync(Documents.Simple(name));
            await colleague.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = user.Email, role = "view" });
        }

        await colleague.CreateWorkflowIdAsync(Documents.Simple("Theirs, not shared"));

        var firstPage = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?shared=true&sort=name&pageSize=2&page=1");
        var secondPage = await user.Client.GetFromJsonAsync<JsonElement>("/workflows?shared=true&sort=name&pageSize=2&page=2");

        Assert.That(Names(firstPage), Is.EqualTo(new[] { "Theirs A", "Theirs B" }));
        Assert.That(Names(secondPage), Is.EqualTo(new[] { "Theirs C" }));
        Assert.That(firstPage.GetProperty("total").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public async Task List_refuses_an_unknown_sort_with_the_allowed_values()
    {
        var user = await TestUser.SignUpAsync();

        var response = await user.Client.GetAsync("/workflows?sort=password");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("-updated"));
    }

    internal static Task<HttpResponseMessage> Put(TestUser user, Guid id, JsonNode document, string ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/workflows/{id}") { Content = TestUser.Json(document) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return user.Client.SendAsync(request);
    }

    private static IEnumerable<string> Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!);

    /// <summary>The document as the API stores it: defaults filled in, optional fields explicit.</summary>
    private static JsonNode Normalized(JsonObject sent)
    {
        var document = JsonSerializer.Deserialize<Core.Workflows.WorkflowDocument>(sent.ToJsonString(), Core.Workflows.WorkflowJson.Options)!;
        return JsonNode.Parse(Core.Workflows.WorkflowJson.Serialize(document))!;
    }
}
