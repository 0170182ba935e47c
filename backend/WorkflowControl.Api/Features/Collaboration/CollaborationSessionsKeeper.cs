using Npgsql;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>Keeps this instance's presence rows fresh, forgets those of instances that stopped, and its own on shutdown.</summary>
public sealed class CollaborationSessionsKeeper(CollaborationStore store, ILogger<CollaborationSessionsKeeper> logger) : BackgroundService
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
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Could not refresh editor presence: {Reason}", e.Message);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.ForgetInstanceAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Could not clear editor presence on shutdown: {Reason}", e.Message);
        }

        await base.StopAsync(cancellationToken);
    }
}
