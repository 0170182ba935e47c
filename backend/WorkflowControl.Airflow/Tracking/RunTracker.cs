using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Airflow.Tracking;

/// <summary>
/// Drives <see cref="RunTrackingEngine"/> cycles on the injected clock: every PollInterval, sooner when
/// signalled, backing off (doubling up to MaxOutageBackoff) while Airflow is unreachable.
/// </summary>
public sealed partial class RunTracker(
    RunTrackingEngine engine,
    IOptions<RunTrackingOptions> options,
    TimeProvider time,
    ILogger<RunTracker> logger) : BackgroundService, IRunTrackerSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly RunTrackingOptions _options = options.Value;

    /// <summary>Completed cycles, successful or not (for health checks and tests).</summary>
    public int Cycles => _cycles;

    private int _cycles;

    public void PollSoon()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await engine.PollOnceAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
                wait = _options.PollInterval;
            }
            catch (AirflowException e)
            {
                failures++;
                wait = Backoff(failures, e is AirflowUnavailableException { RetryAfter: { } after } ? after : null);
                LogAirflowFailure(e.GetType().Name, e.Message, wait);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                wait = Backoff(failures, null);
                LogCycleFailure(e, wait);
            }
            finally
            {
                Interlocked.Increment(ref _cycles);
            }

            await WaitAsync(wait, stoppingToken).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int failures, TimeSpan? retryAfter)
    {
        var doubled = _options.PollInterval * Math.Pow(2, Math.Min(failures, 10));
        var wait = doubled < _options.MaxOutageBackoff ? doubled : _options.MaxOutageBackoff;
        return retryAfter is { } after && after > wait && after <= _options.MaxOutageBackoff ? after : wait;
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        try
        {
            await _signal.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The interval elapsed.
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run tracking paused: {Kind}: {Message}; next attempt in {Wait}")]
    private partial void LogAirflowFailure(string kind, string message, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run tracking cycle failed; next attempt in {Wait}")]
    private partial void LogCycleFailure(Exception exception, TimeSpan wait);
}
