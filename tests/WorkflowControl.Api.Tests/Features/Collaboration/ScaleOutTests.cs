using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using WorkflowControl.Testing;
using static WorkflowControl.Api.Tests.Features.Collaboration.CollaborationHubTests;

namespace WorkflowControl.Api.Tests.Features.Collaboration;

/// <summary>
/// Two API instances behind one PostgreSQL and one Redis (the SignalR backplane): editors connected to different
/// instances see each other, their operations are ordered by the database, and a lock taken on one holds on the other.
/// </summary>
public sealed class ScaleOutTests
{
    private ThrowawayRedis _redis = null!;
    private ApiFactory _first = null!;
    private ApiFactory _second = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _redis = await ThrowawayRedis.StartAsync();
        var settings = new Dictionary<string, string?> { ["SignalR:Redis"] = _redis.ConnectionString };
        _first = new ApiFactory(ApiFixture.ConnectionString, settings);
        _second = new ApiFactory(ApiFixture.ConnectionString, settings);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Test]
    public async Task Editors_on_two_API_instances_see_each_others_presence_operations_and_locks()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit", bobName: "Bob Second", api: _first);
        await using var aliceHub = await HubClients.ConnectAsync(_first, alice);
        await using var bobHub = await HubClients.ConnectAsync(_second, bob);
        var presenceAtAlice = Events(aliceHub, "presenceChanged");
        var operationsAtBob = Events(bobHub, "operationApplied");
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        var bobJoined = await bobHub.InvokeAsync<JsonElement>("Join", id);

        var fromAlice = await aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice-a", 1, Move("extract", 40, 80)));
        var fromBob = await bobHub.InvokeAsync<JsonElement>("Apply", id, Operation("bob-b", 1, UpdateConfig("clean", "expression", "amount > 0")));
        var bobsLock = await bobHub.InvokeAsync<JsonElement>("Lock", id, "clean");
        var aliceTries = await aliceHub.InvokeAsync<JsonElement>("Lock", id, "clean");

        Assert.That(bobJoined.GetProperty("participants").GetArrayLength(), Is.EqualTo(2), "presence lives in PostgreSQL, shared by both instances");
        var seen = await NextAsync(presenceAtAlice);
        while (seen.GetProperty("participants").GetArrayLength() < 2)
        {
            seen = await NextAsync(presenceAtAlice);
        }

        Assert.That(seen.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("displayName").GetString()), Does.Contain("Bob Second"));
        Assert.That((await NextAsync(operationsAtBob)).GetProperty("clientId").GetString(), Is.EqualTo("alice-a"), "Alice's operation crossed to Bob's instance through Redis");
        Assert.That(fromAlice.GetProperty("version").GetInt32(), Is.EqualTo(2));
        Assert.That(fromBob.GetProperty("version").GetInt32(), Is.EqualTo(3), "one order for both instances");
        Assert.That(bobsLock.GetProperty("granted").GetBoolean(), Is.True);
        Assert.That(aliceTries.GetProperty("granted").GetBoolean(), Is.False);
    }
}
