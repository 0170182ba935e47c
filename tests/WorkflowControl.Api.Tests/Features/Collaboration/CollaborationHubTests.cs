using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace WorkflowControl.Api.Tests.Features.Collaboration;

/// <summary>Several people in one workflow's editor: who may do what, presence, cursors, locks and operations.</summary>
public sealed class CollaborationHubTests
{
    private static ApiFactory Api => ApiFixture.Factory;

    [Test]
    public async Task Joining_someone_elses_workflow_fails_like_a_missing_one()
    {
        var alice = await TestUser.SignUpAsync();
        var id = await alice.CreateWorkflowIdAsync();
        var bob = await TestUser.SignUpAsync();
        await using var hub = await HubClients.ConnectAsync(Api, bob);

        var theirs = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Join", id));
        var missing = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Join", Guid.NewGuid()));
        var edit = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Apply", id, Operation("c", 0, Move("extract", 5, 5))));

        const string notFound = "No workflow with that id exists, or you do not have access to it.";
        Assert.That(theirs!.Message, Does.Contain(notFound));
        Assert.That(missing!.Message, Does.Contain(notFound));
        Assert.That(edit!.Message, Does.Contain(notFound));
    }

    [Test]
    public async Task A_viewer_sees_the_document_but_cannot_change_it_or_lock_a_node()
    {
        var (owner, viewer, id) = await SharedWorkflowAsync("view");
        await using var hub = await HubClients.ConnectAsync(Api, viewer);

        var joined = await hub.InvokeAsync<JsonElement>("Join", id);
        var result = await hub.InvokeAsync<JsonElement>("Apply", id, Operation("viewer", 0, Move("extract", 100, 100)));
        var lockAttempt = Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("Lock", id, "extract"));

        Assert.That(joined.GetProperty("role").GetString(), Is.EqualTo("view"));
        Assert.That(joined.GetProperty("document").GetProperty("spec").GetProperty("tasks").GetArrayLength(), Is.EqualTo(2));
        Assert.That(result.GetProperty("accepted").GetBoolean(), Is.False);
        Assert.That(result.GetProperty("reason").GetString(), Does.Contain("'edit' role"));
        Assert.That(lockAttempt!.Message, Does.Contain("'edit' role"));
        Assert.That(await CurrentVersionAsync(owner, id), Is.EqualTo(1), "nothing was saved");
    }

    [Test]
    public async Task An_operation_reaches_everyone_and_becomes_a_new_version()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);
        var seenByBob = Events(bobHub, "operationApplied");
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Join", id);

        var result = await aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice-1", 1, UpdateConfig("extract", "path", "eu.csv")));

        Assert.That(result.GetProperty("accepted").GetBoolean(), Is.True);
        Assert.That(result.GetProperty("version").GetInt32(), Is.EqualTo(2));
        var applied = await NextAsync(seenByBob);
        Assert.That(applied.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(applied.GetProperty("clientId").GetString(), Is.EqualTo("alice-1"));
        Assert.That(applied.GetProperty("userId").GetGuid(), Is.EqualTo(alice.Id));
        var stored = await alice.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}");
        Assert.That(stored.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(stored.GetProperty("document").GetProperty("spec").GetProperty("tasks")[0].GetProperty("config").GetProperty("path").GetString(), Is.EqualTo("eu.csv"));
    }

    [Test]
    public async Task Sending_an_operation_again_after_a_lost_answer_does_not_apply_it_twice()
    {
        var alice = await TestUser.SignUpAsync();
        var id = await alice.CreateWorkflowIdAsync();
        await using var hub = await HubClients.ConnectAsync(Api, alice);
        var addNode = AddNode("report", "test.step", "clean");

        var first = await hub.InvokeAsync<JsonElement>("Apply", id, Operation("tab-1", 7, addNode));
        var again = await hub.InvokeAsync<JsonElement>("Apply", id, Operation("tab-1", 7, addNode));

        Assert.That(first.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(again.GetProperty("accepted").GetBoolean(), Is.True);
        Assert.That(again.GetProperty("duplicate").GetBoolean(), Is.True);
        Assert.That(again.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(await CurrentVersionAsync(alice, id), Is.EqualTo(2));
    }

    [Test]
    public async Task Connecting_to_a_node_someone_just_deleted_is_refused_with_a_reason()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);

        await aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice", 1, new JsonObject { ["kind"] = "deleteNode", ["id"] = "clean" }));
        var late = await bobHub.InvokeAsync<JsonElement>("Apply", id, Operation("bob", 1, new JsonObject { ["kind"] = "addEdge", ["source"] = "extract", ["target"] = "clean" }));

        Assert.That(late.GetProperty("accepted").GetBoolean(), Is.False);
        Assert.That(late.GetProperty("reason").GetString(), Does.Contain("clean"));
        Assert.That(await CurrentVersionAsync(alice, id), Is.EqualTo(2));
    }

    [Test]
    public async Task Two_editors_changing_different_fields_of_one_node_both_keep_their_change()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);

        // Both made their change on version 1; property-level last-writer-wins keeps both fields.
        await Task.WhenAll(
            aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice", 1, UpdateConfig("extract", "path", "2026.csv"), baseVersion: 1)),
            bobHub.InvokeAsync<JsonElement>("Apply", id, Operation("bob", 1, UpdateConfig("extract", "rows", 500), baseVersion: 1)));

        var config = (await alice.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}")).GetProperty("document").GetProperty("spec").GetProperty("tasks")[0].GetProperty("config");
        Assert.That(config.GetProperty("path").GetString(), Is.EqualTo("2026.csv"));
        Assert.That(config.GetProperty("rows").GetInt32(), Is.EqualTo(500));
    }

    [Test]
    public async Task An_incomplete_step_may_be_added_live_but_not_deployed()
    {
        var alice = await TestUser.SignUpAsync();
        var id = await alice.CreateWorkflowIdAsync();
        await using var hub = await HubClients.ConnectAsync(Api, alice);

        // A new source without its required path: a draft the editor shows as invalid.
        var added = await hub.InvokeAsync<JsonElement>("Apply", id, Operation("a", 1, AddNode("second_source", "test.source")));
        var broken = await hub.InvokeAsync<JsonElement>("Apply", id, Operation("a", 2, AddNode("mystery", "no.such.type")));
        var deploy = await alice.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });

        Assert.That(added.GetProperty("accepted").GetBoolean(), Is.True);
        Assert.That(broken.GetProperty("accepted").GetBoolean(), Is.False);
        Assert.That(broken.GetProperty("reason").GetString(), Does.Contain("no.such.type"));
        Assert.That((int)deploy.StatusCode, Is.EqualTo(400));
        Assert.That(await deploy.Content.ReadAsStringAsync(), Does.Contain("path"));
    }

    [Test]
    public async Task Everyone_sees_who_is_here_and_what_they_selected()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit", bobName: "Bob Builder");
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);
        var presence = Events(aliceHub, "presenceChanged");
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        var bobJoined = await bobHub.InvokeAsync<JsonElement>("Join", id);

        await bobHub.InvokeAsync("Select", id, "clean");

        var bobEntry = await WaitForAsync(presence, p => p.GetProperty("participants").EnumerateArray()
            .Any(x => x.GetProperty("userId").GetGuid() == bob.Id && x.GetProperty("selectedNode").GetString() == "clean"));
        var entry = bobEntry.GetProperty("participants").EnumerateArray().First(x => x.GetProperty("userId").GetGuid() == bob.Id);
        Assert.That(entry.GetProperty("displayName").GetString(), Is.EqualTo("Bob Builder"));
        Assert.That(entry.GetProperty("initials").GetString(), Is.EqualTo("BB"));
        Assert.That(entry.GetProperty("colour").GetString(), Does.Match("^#[0-9a-f]{6}$"));
        Assert.That(bobJoined.GetProperty("participants").GetArrayLength(), Is.EqualTo(2));

        await bobHub.StopAsync();
        await WaitForAsync(presence, p => p.GetProperty("participants").EnumerateArray().All(x => x.GetProperty("userId").GetGuid() != bob.Id));
    }

    [Test]
    public async Task A_locked_node_can_be_moved_but_not_reconfigured_by_others_and_a_manager_can_break_the_lock()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);
        var lockEvents = Events(aliceHub, "lockChanged");
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Join", id);

        var bobLock = await bobHub.InvokeAsync<JsonElement>("Lock", id, "extract");
        var aliceTry = await aliceHub.InvokeAsync<JsonElement>("Lock", id, "extract");
        var configChange = await aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice", 1, UpdateConfig("extract", "path", "x.csv")));
        var move = await aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice", 2, Move("extract", 300, 40)));
        var bobsOwnChange = await bobHub.InvokeAsync<JsonElement>("Apply", id, Operation("bob", 1, UpdateConfig("extract", "path", "mine.csv")));

        Assert.That(bobLock.GetProperty("granted").GetBoolean(), Is.True);
        Assert.That(aliceTry.GetProperty("granted").GetBoolean(), Is.False);
        Assert.That(aliceTry.GetProperty("lock").GetProperty("userId").GetGuid(), Is.EqualTo(bob.Id));
        Assert.That(configChange.GetProperty("accepted").GetBoolean(), Is.False);
        Assert.That(configChange.GetProperty("reason").GetString(), Does.Contain("is editing step \"extract\""));
        Assert.That(move.GetProperty("accepted").GetBoolean(), Is.True);
        Assert.That(bobsOwnChange.GetProperty("accepted").GetBoolean(), Is.True);
        await WaitForAsync(lockEvents, e => e.GetProperty("nodeId").GetString() == "extract" && e.GetProperty("lock").ValueKind == JsonValueKind.Object);

        // Bob (edit) may not break Alice's locks; Alice owns the workflow and may break his.
        Assert.ThrowsAsync<HubException>(() => bobHub.InvokeAsync("BreakLock", id, "extract"));
        await aliceHub.InvokeAsync("BreakLock", id, "extract");

        var broken = await WaitForAsync(lockEvents, e => e.GetProperty("lock").ValueKind == JsonValueKind.Null);
        Assert.That(broken.GetProperty("brokenBy").GetString(), Is.Not.Empty);
        Assert.That((await aliceHub.InvokeAsync<JsonElement>("Lock", id, "extract")).GetProperty("granted").GetBoolean(), Is.True);
    }

    [Test]
    public async Task A_lock_is_released_when_its_holder_disconnects()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        var bobHub = await HubClients.ConnectAsync(Api, bob);
        var lockEvents = Events(aliceHub, "lockChanged");
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Lock", id, "clean");

        await bobHub.DisposeAsync();

        // Alice is told as soon as the server has let go of Bob's lock; then it is hers to take.
        await WaitForAsync(lockEvents, e => e.GetProperty("nodeId").GetString() == "clean" && e.GetProperty("lock").ValueKind == JsonValueKind.Null);
        Assert.That((await aliceHub.InvokeAsync<JsonElement>("Lock", id, "clean")).GetProperty("granted").GetBoolean(), Is.True);
    }

    [Test]
    public async Task A_collaborator_whose_access_is_revoked_is_disconnected_at_once()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);
        var revoked = Events(bobHub, "accessRevoked");
        var closed = new TaskCompletionSource();
        bobHub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await bobHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Lock", id, "clean");

        var response = await alice.Client.DeleteAsync($"/workflows/{id}/collaborators/{bob.Id}");

        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        Assert.That((await aliceHub.InvokeAsync<JsonElement>("Lock", id, "clean")).GetProperty("granted").GetBoolean(), Is.True, "the revoked user's lock is gone");
        await using var again = await HubClients.ConnectAsync(Api, bob);
        Assert.ThrowsAsync<HubException>(() => again.InvokeAsync<JsonElement>("Join", id));
    }

    [Test]
    public async Task An_editor_lowered_to_viewer_is_told_at_once_and_loses_their_locks()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit");
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);
        var roles = Events(bobHub, "roleChanged");
        await bobHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Lock", id, "clean");

        (await alice.Client.PutAsJsonAsync($"/workflows/{id}/collaborators/{bob.Id}", new { role = "view" })).EnsureSuccessStatusCode();

        Assert.That((await NextAsync(roles)).GetProperty("role").GetString(), Is.EqualTo("view"));
        await using var aliceHub = await HubClients.ConnectAsync(Api, alice);
        Assert.That((await aliceHub.InvokeAsync<JsonElement>("Lock", id, "clean")).GetProperty("granted").GetBoolean(), Is.True);
        var refused = await bobHub.InvokeAsync<JsonElement>("Apply", id, Operation("bob", 1, Move("clean", 1, 1)));
        Assert.That(refused.GetProperty("accepted").GetBoolean(), Is.False);
    }

    [Test]
    public async Task A_member_removed_from_the_organisation_is_disconnected_from_its_workflows()
    {
        var alice = await TestUser.SignUpAsync(name: "Alice");
        var bob = await TestUser.SignUpAsync(name: "Bob");
        var organisation = (await (await alice.Client.PostAsJsonAsync("/organisations", new { name = "Sales team" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await alice.Client.PostAsJsonAsync($"/organisations/{organisation}/members", new { email = bob.Email, role = "edit" })).EnsureSuccessStatusCode();
        var created = await alice.Client.PostAsync($"/workflows?organisationId={organisation}", TestUser.Json(Documents.Simple("Team ETL")));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await using var bobHub = await HubClients.ConnectAsync(Api, bob);
        var closed = new TaskCompletionSource();
        bobHub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        Assert.That((await bobHub.InvokeAsync<JsonElement>("Join", id)).GetProperty("role").GetString(), Is.EqualTo("edit"));

        (await alice.Client.DeleteAsync($"/organisations/{organisation}/members/{bob.Id}")).EnsureSuccessStatusCode();

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var again = await HubClients.ConnectAsync(Api, bob);
        Assert.ThrowsAsync<HubException>(() => again.InvokeAsync<JsonElement>("Join", id));
    }

    [Test]
    public async Task A_message_over_the_size_limit_closes_the_sender_only()
    {
        var alice = await TestUser.SignUpAsync();
        var id = await alice.CreateWorkflowIdAsync();
        var hub = await HubClients.ConnectAsync(Api, alice);
        var closed = new TaskCompletionSource<Exception?>();
        hub.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        var huge = UpdateConfig("extract", "path", new string('x', 100_000));
        try
        {
            await hub.InvokeAsync<JsonElement>("Apply", id, Operation("big", 1, huge)).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Fail("an oversized message must not be processed");
        }
        catch (Exception e) when (e is not AssertionException)
        {
            // The connection was closed under the call.
        }

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(await CurrentVersionAsync(alice, id), Is.EqualTo(1));
        await hub.DisposeAsync();
    }

    [Test]
    public async Task A_save_through_the_API_tells_open_editors_to_reload()
    {
        var alice = await TestUser.SignUpAsync();
        var id = await alice.CreateWorkflowIdAsync();
        await using var hub = await HubClients.ConnectAsync(Api, alice);
        var changed = Events(hub, "documentChanged");
        await hub.InvokeAsync<JsonElement>("Join", id);

        var request = new HttpRequestMessage(HttpMethod.Put, $"/workflows/{id}") { Content = TestUser.Json(Documents.Simple("Renamed by CI")) };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        (await alice.Client.SendAsync(request)).EnsureSuccessStatusCode();

        Assert.That((await NextAsync(changed)).GetProperty("version").GetInt32(), Is.EqualTo(2));
    }

    internal static async Task<(TestUser Owner, TestUser Other, Guid Id)> SharedWorkflowAsync(string role, string bobName = "Bob", ApiFactory? api = null)
    {
        var alice = await TestUser.SignUpAsync(api, "Alice");
        var bob = await TestUser.SignUpAsync(api, bobName);
        var id = await alice.CreateWorkflowIdAsync();
        var shared = await alice.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = bob.Email, role });
        Assert.That(shared.IsSuccessStatusCode, Is.True, await shared.Content.ReadAsStringAsync());
        return (alice, bob, id);
    }

    internal static JsonObject Operation(string clientId, long seq, JsonObject op, int baseVersion = 1) =>
        new() { ["clientId"] = clientId, ["seq"] = seq, ["baseVersion"] = baseVersion, ["op"] = op.DeepClone() };

    internal static JsonObject Move(string id, double x, double y) =>
        new() { ["kind"] = "moveNode", ["id"] = id, ["position"] = new JsonObject { ["x"] = x, ["y"] = y } };

    internal static JsonObject UpdateConfig(string id, string field, JsonNode? value) =>
        new() { ["kind"] = "updateConfig", ["id"] = id, ["path"] = new JsonArray(field), ["value"] = value };

    internal static JsonObject AddNode(string id, string type, params string[] dependsOn) => new()
    {
        ["kind"] = "addNode",
        ["task"] = Documents.Task(id, type, new JsonObject(), dependsOn),
        ["position"] = new JsonObject { ["x"] = 10, ["y"] = 20 },
    };

    internal static ChannelReader<JsonElement> Events(HubConnection hub, string name)
    {
        var channel = Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>(name, e => channel.Writer.TryWrite(e));
        return channel.Reader;
    }

    internal static async Task<JsonElement> NextAsync(ChannelReader<JsonElement> events)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await events.ReadAsync(timeout.Token);
    }

    internal static async Task<JsonElement> WaitForAsync(ChannelReader<JsonElement> events, Func<JsonElement, bool> wanted)
    {
        while (true)
        {
            var e = await NextAsync(events);
            if (wanted(e))
            {
                return e;
            }
        }
    }

    internal static async Task<int> CurrentVersionAsync(TestUser user, Guid id) =>
        (await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}")).GetProperty("version").GetInt32();
}
