using Npgsql;

namespace WorkflowControl.Api.Infrastructure.Realtime;

/// <summary>This API process, as the rows it keeps in shared tables name it (editor presence, run watches).</summary>
public sealed class ApiInstance
{
    public Guid Id { get; } = Guid.NewGuid();
}

/// <summary>
/// Rows an instance keeps in PostgreSQL for its live connections. They expire unless renewed, so an instance that
/// dies leaves nothing behind; <see cref="InstanceRowsKeeper"/> renews them.
/// </summary>
public interface IInstanceRows
{
    /// <summary>Extends this instance's rows and removes the expired ones (of instances that stopped).</summary>
    Task RenewAsync(CancellationToken ct);

    /// <summary>On shutdown: this instance's connections are gone, and so are their rows.</summary>
    Task ForgetInstanceAsync(CancellationToken ct);
}

/// <summary>Keeps every feature's <see cref="IInstanceRows"/> fresh, and forgets them when this instance stops.</summary>
public sealed class InstanceRowsKeeper(IEnumerable<IInstanceRows> rows, ILogger<InstanceRowsKeeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var kept in rows)
                {
                    await kept.RenewAsync(stoppingToken);
                }
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
            foreach (var kept in rows)
            {
                await kept.ForgetInstanceAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Could not clear editor presence on shutdown: {Reason}", e.Message);
        }
        catch (ObjectDisposedException)
        {
            // A host that failed to start is torn down with its database already closed; the rows expire on their own.
        }

        await base.StopAsync(cancellationToken);
    }
}

public static class RealtimeSetup
{
    /// <summary>The instance's identity and the keeper of its rows; features add their <see cref="IInstanceRows"/>.</summary>
    public static IServiceCollection AddRealtime(this IServiceCollection services)
    {
        services.AddSingleton<ApiInstance>();
        services.AddHostedService<InstanceRowsKeeper>();
        return services;
    }
}
