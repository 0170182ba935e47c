using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Database;

namespace WorkflowControl.Api.Tests.Infrastructure.Database;

/// <summary>The polling lease on a real PostgreSQL: one holder at a time, and the next one takes over when the holder's session ends.</summary>
public sealed class LeaderLeaseTests
{
    [Test]
    public async Task Another_instance_takes_the_lease_once_the_holders_connection_dies_and_the_old_holder_knows_it_lost_it()
    {
        var key = NewKey();
        await using var first = Lease(key);
        await using var second = Lease(key);

        var firstTakes = await first.HoldAsync(CancellationToken.None);
        var secondWhileHeld = await second.HoldAsync(CancellationToken.None);
        // The holder's connection dies as in a crash or a network cut: PostgreSQL ends its session, not the holder.
        await TerminateAsync(first.SessionProcessId!.Value);
        var secondAfter = await second.HoldAsync(CancellationToken.None);
        var firstAfter = await first.HoldAsync(CancellationToken.None);

        Assert.That(firstTakes, Is.True);
        Assert.That(secondWhileHeld, Is.False, "one holder at a time");
        Assert.That(secondAfter, Is.True, "the lock went with the dead session");
        Assert.That(firstAfter, Is.False, "the old holder notices its session ended and does not poll beside the new one");
        Assert.That(first.IsHeld, Is.False);
    }

    [Test]
    public async Task Holding_is_not_taking_again_and_a_cluster_with_another_key_has_its_own_poller()
    {
        var key = NewKey();
        await using var first = Lease(key);
        await using var second = Lease(key);
        await using var elsewhere = Lease(key + 1);

        var taken = await first.HoldAsync(CancellationToken.None);
        var stillHeld = await first.HoldAsync(CancellationToken.None);
        var secondAsks = await second.HoldAsync(CancellationToken.None);
        var otherKey = await elsewhere.HoldAsync(CancellationToken.None);

        Assert.That((taken, stillHeld), Is.EqualTo((true, true)));
        Assert.That(secondAsks, Is.False);
        Assert.That(otherKey, Is.True, "instances with another key (another cluster on the same database) elect their own poller");
    }

    private static long NewKey() => Random.Shared.NextInt64(1, long.MaxValue - 1);

    private static LeaderLease Lease(long key) => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:WorkflowControl"] = ApiFixture.ConnectionString,
            [LeaderLease.LockKeySetting] = key.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build(),
        NullLogger<LeaderLease>.Instance);

    /// <summary>Ends a PostgreSQL session and waits until its backend is gone (and its locks with it).</summary>
    internal static async Task TerminateAsync(int processId)
    {
        await using var admin = new NpgsqlConnection(ApiFixture.ConnectionString);
        // The wait is a guard against a hang, not a measurement: a loaded machine may take seconds to end a backend.
        var ended = await admin.ExecuteScalarAsync<bool>("SELECT pg_terminate_backend(@processId, 60000)", new { processId });
        Assert.That(ended, Is.True, "the session ended within a minute");
    }
}
