using System.Globalization;
using Npgsql;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Infrastructure.Database;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// "Poll soon" for a cluster: asked on the instance that polls, it wakes its tracker; asked on one that stands by (a run
/// triggered or opened through it), it reaches the poller through PostgreSQL <c>NOTIFY</c>, so the poller looks at
/// once instead of at its next interval. Every instance listens on a connection of its own and acts only while it
/// holds the lease, so whichever instance polls next hears the requests too. A request lost on the way (PostgreSQL
/// unreachable, the poller changing) costs at most one interval, as before.
/// </summary>
public sealed partial class PollRequests(
    RunTracker tracker, LeaderLease lease, NpgsqlDataSource database, IConfiguration configuration, TimeProvider time, ILogger<PollRequests> logger)
    : BackgroundService, IRunTrackerSignal
{
    /// <summary>One channel per lock key: clusters sharing a database with other keys do not wake each other's pollers.</summary>
    private readonly string _channel = "workflowcontrol_poll_" +
        configuration.GetValue(LeaderLease.LockKeySetting, LeaderLease.DefaultLockKey).ToString(CultureInfo.InvariantCulture).Replace('-', 'm');

    private int _heard;

    /// <summary>Requests this instance heard from any instance, acted on or not (tests await them).</summary>
    public int Heard => _heard;

    /// <summary>Raised after a request was heard and, on the poller, its tracker woken.</summary>
    public event EventHandler? RequestHeard;

    /// <summary>True once this instance listens (tests wait for it before asking).</summary>
    public bool Listening { get; private set; }

    public event EventHandler? StartedListening;

    public void PollSoon()
    {
        if (lease.IsHeld)
        {
            tracker.PollSoon();
            return;
        }

        _ = AskPollerAsync();
    }

    private async Task AskPollerAsync()
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync();
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, '')", connection) { Parameters = { new("channel", _channel) } };
            await notify.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogNotAsked(e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Held for the instance's life: back in the pool, the connection would forget what it listens to.
                await using var connection = await database.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => OnRequest();
                await using (var listen = new NpgsqlCommand($"LISTEN {_channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                Listening = true;
                StartedListening?.Invoke(this, EventArgs.Empty);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                Listening = false;
                LogNotListening(e.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
            }
        }
    }

    private void OnRequest()
    {
        if (lease.IsHeld)
        {
            tracker.PollSoon();
        }

        Interlocked.Increment(ref _heard);
        RequestHeard?.Invoke(this, EventArgs.Empty);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An early poll could not be asked of the polling instance; it polls at its next interval: {Reason}")]
    private partial void LogNotAsked(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not listening for early poll requests of other instances (trying again in 5 s): {Reason}")]
    private partial void LogNotListening(string reason);
}
