using Npgsql;
using WorkflowControl.Api.Features.Runs;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>
/// Keeps this instance's presence rows and run watches fresh, forgets those of instances that stopped, and its own on
/// shutdown.
/// </summary>
public sealed class CollaborationSessionsKeeper(CollaborationStore store, PostgresRunWatchList watches, ILogger<CollaborationSessionsKeeper> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await store.RefreshAsync(stoppingToken);
                await watches.RenewAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Could not refresh editor presence and run watches: {Reason}", e.Message);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.ForgetInstanceAsync(cancellationToken);
            await watches.ForgetInstanceAsync(cancellationToken);
        }
        // ObjectDisposedException: the host disposed the database pool first; the rows expire by themselves.
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogWarning("Could not clear editor presence on shutdown: {Reason}", e.Message);
        }

        await base.StopAsync(cancellationToken);
    }
}
