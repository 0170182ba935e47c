using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using static WorkflowControl.Api.Tests.Features.Collaboration.CollaborationHubTests;
using static WorkflowControl.Api.Tests.Features.Workflows.WorkflowCrudTests;

namespace WorkflowControl.Api.Tests.Features.History;

/// <summary>
/// Versions as people see them, on fake time: every edit is stored, but edits without a pause of
/// Collaboration:VersionGapSeconds between them make one version; naming, deploying and restoring end a version too.
/// </summary>
public sealed class VersionHistoryTests
{
    // Behind the real clock, so the tokens it issues are valid however far the tests advance it.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow.AddMinutes(-10));
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(
        ApiFixture.ConnectionString,
        new Dictionary<string, string?> { ["Collaboration:VersionGapSeconds"] = "30" },
        services: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)));

    [OneTimeTearDown]
    public Task Stop() => _api.DisposeAsync().AsTask();

    [Test]
    public async Task Edits_within_the_gap_make_one_version_and_a_pause_starts_the_next()
    {
        var user = await TestUser.SignUpAsync(_api, "Greta Gap");
        var id = await user.CreateWorkflowIdAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await Put(user, id, Renamed("Revenue by "), "\"1\"");
        _time.Advance(TimeSpan.FromSeconds(10));
        await Put(user, id, Renamed("Revenue by region"), "\"2\"");

        var whileEditing = await VersionsAsync(user, id);
        _time.Advance(TimeSpan.FromSeconds(31));
        await Put(user, id, WithPublishStep("Revenue by region"), "\"3\"");
        var afterPause = await VersionsAsync(user, id);
        var every = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/versions?every=true");

        Assert.That(Describe(whileEditing), Is.EqualTo(new[] { "v3 (1-3) editing" }), "three edits 10 s apart are one version, still open");
        Assert.That(Describe(afterPause), Is.EqualTo(new[] { "v4 (4-4) editing", "v3 (1-3) pause" }), "31 s without edits closed v3");
        Assert.That(afterPause[0].GetProperty("changes").GetProperty("stepsAdded").GetInt32(), Is.EqualTo(1));
        Assert.That(afterPause[1].GetProperty("edits").GetInt32(), Is.EqualTo(3));
        Assert.That(every.GetArrayLength(), Is.EqualTo(4), "the fine-grained log keeps every edit");
    }

    [Test]
    public async Task Naming_a_version_ends_it_so_the_next_edit_starts_a_new_one()
    {
        var user = await TestUser.SignUpAsync(_api, "Nina Namer");
        var id = await user.CreateWorkflowIdAsync();
        await Put(user, id, Renamed("Before review"), "\"1\"");

        var named = await user.Client.PostAsJsonAsync($"/workflows/{id}/versions", new { name = "Ready for review" });
        var namedBody = await named.Content.ReadFromJsonAsync<JsonElement>();
        _time.Advance(TimeSpan.FromSeconds(5));
        await Put(user, id, Renamed("After review"), "\"2\"");
        var versions = await VersionsAsync(user, id);
        var empty = await user.Client.PostAsJsonAsync($"/workflows/{id}/versions", new { name = "  " });

        Assert.That(named.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(namedBody.GetProperty("name").GetString(), Is.EqualTo("Ready for review"));
        Assert.That(Describe(versions), Is.EqualTo(new[] { "v3 (3-3) editing", "v2 (1-2) named" }), "5 s later, yet a new version");
        Assert.That(versions[1].GetProperty("name").GetString(), Is.EqualTo("Ready for review"));
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Restoring_makes_a_new_version_of_its_own_that_says_what_it_restored()
    {
        var user = await TestUser.SignUpAsync(_api, "Rita Restorer");
        var id = await user.CreateWorkflowIdAsync();
        await Put(user, id, WithPublishStep("With publish"), "\"1\"");
        _time.Advance(TimeSpan.FromSeconds(3));

        var restored = await user.Client.PostAsync($"/workflows/{id}/versions/1/restore", null);
        var versions = await VersionsAsync(user, id);

        Assert.That(restored.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Describe(versions), Is.EqualTo(new[] { "v3 (3-3) restored", "v2 (1-2) restore" }), "the restore stands alone, 3 s after the last edit");
        Assert.That(versions[0].GetProperty("restoredFrom").GetInt32(), Is.EqualTo(1));
        Assert.That(versions[0].GetProperty("changes").GetProperty("stepsRemoved").GetInt32(), Is.EqualTo(1), "restoring v1 took the publish step away");
    }

    [Test]
    public async Task Authors_are_named_by_display_name_and_times_carry_their_offset()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit", "Bob Builder", _api);
        await Put(bob, id, Renamed("Bob's"), "\"1\"");
        await Put(bob, id, Renamed("Bob's again"), "\"2\"");

        var raw = await alice.Client.GetStringAsync($"/workflows/{id}/versions");
        var versions = JsonDocument.Parse(raw).RootElement.EnumerateArray().ToList();

        Assert.That(versions, Has.Count.EqualTo(1));
        Assert.That(versions[0].GetProperty("author").GetString(), Is.EqualTo("Bob Builder"), "who edited most");
        Assert.That(versions[0].GetProperty("authors").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { "Bob Builder", "Alice" }));
        Assert.That(raw, Does.Not.Contain($"\"author\":\"{bob.Id}"), "a person is shown by name");
        Assert.That(versions[0].GetProperty("createdAt").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$"), "ISO time with its offset");
    }

    [Test]
    public async Task Deploying_ends_a_version_and_the_version_lists_its_deployments()
    {
        var user = await TestUser.SignUpAsync(_api, "Dora Deployer");
        var id = await user.CreateWorkflowIdAsync();
        var deployed = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = true });
        Assert.That(deployed.StatusCode, Is.EqualTo(HttpStatusCode.Created), await deployed.Content.ReadAsStringAsync());
        await Put(user, id, Renamed("Edited after deploying"), "\"1\"");

        var versions = await VersionsAsync(user, id);

        Assert.That(Describe(versions), Is.EqualTo(new[] { "v2 (2-2) editing", "v1 (1-1) deployed" }));
        var deployment = versions[1].GetProperty("deployments")[0];
        Assert.That(deployment.GetProperty("createdByName").GetString(), Is.EqualTo("Dora Deployer"));
        Assert.That(deployment.GetProperty("state").GetString(), Is.EqualTo("written"));
        Assert.That(versions[0].GetProperty("deployments").GetArrayLength(), Is.Zero);
    }

    private static async Task<List<JsonElement>> VersionsAsync(TestUser user, Guid id) =>
        (await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/versions")).EnumerateArray().ToList();

    private static IEnumerable<string> Describe(IEnumerable<JsonElement> versions) =>
        versions.Select(v => $"v{v.GetProperty("version").GetInt32()} ({v.GetProperty("firstRevision").GetInt32()}-{v.GetProperty("version").GetInt32()}) {v.GetProperty("cut").GetString()}");

    private static JsonObject Renamed(string name) => Documents.Simple(name);

    private static JsonObject WithPublishStep(string name)
    {
        var document = Documents.Simple(name);
        ((JsonArray)document["spec"]!["tasks"]!).Add(Documents.Task("publish", "test.step", new JsonObject(), "clean"));
        return document;
    }
}
