using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using static WorkflowControl.Api.Tests.Features.Collaboration.CollaborationHubTests;

namespace WorkflowControl.Api.Tests.Features.Collaboration;

/// <summary>
/// What the hub does with time, on fake time: edit locks are leases (a client that vanishes without letting go loses its
/// lock after the time-out), and cursor moves have a per-second budget.
/// </summary>
public sealed class LockExpiryTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(
        ApiFixture.ConnectionString,
        new Dictionary<string, string?> { ["Collaboration:LockLeaseSeconds"] = "30" },
        services: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)));

    [OneTimeTearDown]
    public Task Stop() => _api.DisposeAsync().AsTask();

    [Test]
    public async Task A_lock_that_is_not_renewed_expires_after_its_lease_and_a_renewed_one_does_not()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit", api: _api);
        await using var aliceHub = await HubClients.ConnectAsync(_api, alice);
        await using var bobHub = await HubClients.ConnectAsync(_api, bob);
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Join", id);
        // Bob's tab keeps renewing "clean"; his "extract" is left behind (the tab froze).
        await bobHub.InvokeAsync<JsonElement>("Lock", id, "extract");
        await bobHub.InvokeAsync<JsonElement>("Lock", id, "clean");

        _time.Advance(TimeSpan.FromSeconds(20));
        await bobHub.InvokeAsync<JsonElement>("Lock", id, "clean");
        var beforeExpiry = await aliceHub.InvokeAsync<JsonElement>("Lock", id, "extract");
        _time.Advance(TimeSpan.FromSeconds(11));
        var afterExpiry = await aliceHub.InvokeAsync<JsonElement>("Lock", id, "extract");
        var renewed = await aliceHub.InvokeAsync<JsonElement>("Lock", id, "clean");

        Assert.That(beforeExpiry.GetProperty("granted").GetBoolean(), Is.False);
        Assert.That(beforeExpiry.GetProperty("lock").GetProperty("expiresInMs").GetInt64(), Is.EqualTo(10_000).Within(1), "the lease ends 30 s after it was taken");
        Assert.That(afterExpiry.GetProperty("granted").GetBoolean(), Is.True, "31 s without renewal: the lease is over");
        Assert.That(renewed.GetProperty("granted").GetBoolean(), Is.False, "renewed 11 s ago: still Bob's");
        var change = await aliceHub.InvokeAsync<JsonElement>("Apply", id, Operation("alice", 1, UpdateConfig("extract", "path", "taken-over.csv")));
        Assert.That(change.GetProperty("accepted").GetBoolean(), Is.True);
    }

    [Test]
    public async Task A_flood_of_cursor_moves_is_throttled_to_the_per_second_budget_and_never_stored()
    {
        var (alice, bob, id) = await SharedWorkflowAsync("edit", api: _api);
        await using var aliceHub = await HubClients.ConnectAsync(_api, alice);
        await using var bobHub = await HubClients.ConnectAsync(_api, bob);
        var cursors = Events(aliceHub, "cursorMoved");
        var presence = Events(aliceHub, "presenceChanged");
        await aliceHub.InvokeAsync<JsonElement>("Join", id);
        await bobHub.InvokeAsync<JsonElement>("Join", id);

        // 200 moves within one instant of (fake) time: ten times the budget of 20 a second.
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => bobHub.SendAsync("MoveCursor", id, (double)i, 10.0)));
        // A hub processes one connection's calls in order: once this selection reaches Alice, every relayed
        // cursor before it has too.
        await bobHub.InvokeAsync("Select", id, "clean");
        await WaitForAsync(presence, p => p.GetProperty("participants").EnumerateArray()
            .Any(x => x.GetProperty("userId").GetGuid() == bob.Id && x.GetProperty("selectedNode").GetString() == "clean"));

        var relayed = new List<JsonElement>();
        while (cursors.TryRead(out var cursor))
        {
            relayed.Add(cursor);
        }

        Assert.That(relayed, Has.Count.EqualTo(20), "one second's budget of the burst is relayed");
        Assert.That(relayed[0].GetProperty("displayName").GetString(), Is.Not.Empty);
        _time.Advance(TimeSpan.FromSeconds(1));
        await bobHub.SendAsync("MoveCursor", id, 500.0, 10.0);
        Assert.That((await NextAsync(cursors)).GetProperty("x").GetDouble(), Is.EqualTo(500.0), "a second later the budget is back");
        // Alice, meanwhile, is not slowed down: her own calls still answer at once.
        Assert.That((await aliceHub.InvokeAsync<JsonElement>("Join", id)).GetProperty("version").GetInt32(), Is.EqualTo(1));
    }
}
