using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Airflow.Tracking;

/// <summary>
/// Drives <see cref="RunTrackingEngine"/> cycles on the injected clock: every PollInterval, sooner when
/// signalled, backing off (doubling up to MaxOutageBackoff) while Airflow is unreachable. Each cycle is a span and
/// a measurement, and its outcome is kept for the readiness check. A cycle runs only while this process holds the
/// <see cref="IPollingLease"/>; otherwise it stands by and asks for the lease again every PollInterval, so it takes
/// over within one interval of the holder's end.
/// </summary>
public sealed partial class RunTracker(
    RunTrackingEngine engine,
    IPollingLease lease,
    IOptions<RunTrackingOptions> options,
    TimeProvider time,
    ILogger<RunTracker> logger,
    AirflowTelemetry? telemetry = null) : BackgroundService, IRunTrackerSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly RunTrackingOptions _options = options.Value;
    private int _cycles;

    /// <summary>Raised after every cycle, successful or not (tests await it instead of waiting).</summary>
    public event EventHandler? CycleCompleted;

    /// <summary>True while another process holds the polling lease and this one waits to take over.</summary>
    public bool StandingBy { get; private set; }

    /// <summary>Raised when this process found the lease held elsewhere, once its next check is scheduled (tests await it).</summary>
    public event EventHandler? StoodBy;

    /// <summary>Raised whenever the tracker starts to wait for its next cycle, once the wait's timer is scheduled (tests await it).</summary>
    public event EventHandler? Waiting;

    /// <summary>True while an early cycle was asked for (<see cref="PollSoon"/>) and has not started yet.</summary>
    public bool PollPending => _signal.CurrentCount > 0;

    /// <summary>Completed cycles, successful or not (for health checks and tests).</summary>
    public int Cycles => _cycles;

    /// <summary>When the tracker started polling; null before.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    public DateTimeOffset? LastFailureAt { get; private set; }

    /// <summary>The kind of the last failure (an exception type name, never its message); null after a success.</summary>
    public string? LastFailure { get; private set; }

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
        StartedAt = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await lease.HoldAsync(stoppingToken).ConfigureAwait(false))
            {
                StandingBy = true;
                await WaitAsync(_options.PollInterval, stoppingToken, StoodBy).ConfigureAwait(false);
                continue;
            }

            if (StandingBy)
            {
                // Taking over: another process polled meanwhile.
                engine.Forget();
                StandingBy = false;
                LogTakenOver();
            }

            TimeSpan wait;
            var started = time.GetTimestamp();
            Exception? failure = null;
            using (var activity = AirflowTelemetry.Source.StartActivity("run tracker cycle"))
            {
                try
                {
                    var result = await engine.PollOnceAsync(stoppingToken).ConfigureAwait(false);
                    activity?.SetTag("workflowcontrol.tracker.run_changes", result.Runs.Count);
                    activity?.SetTag("workflowcontrol.tracker.task_changes", result.Tasks.Count);
                    activity?.SetTag("workflowcontrol.tracker.airflow_requests", result.AirflowRequests);
                    failures = 0;
                    wait = _options.PollInterval;
                }
                catch (AirflowException e)
                {
                    failure = e;
                    failures++;
                    wait = Backoff(failures, e is AirflowUnavailableException { RetryAfter: { } after } ? after : null);
                    LogAirflowFailure(e.GetType().Name, e.Message, wait);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    failure = e;
                    failures++;
                    wait = Backoff(failures, null);
                    LogCycleFailure(e, wait);
                }
                finally
                {
                    Interlocked.Increment(ref _cycles);
                }

                if (failure is not null)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
                }
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                Completed(failure, time.GetElapsedTime(started));
            }

            await WaitAsync(wait, stoppingToken).ConfigureAwait(false);
        }
    }

    private void Completed(Exception? failure, TimeSpan duration)
    {
        var now = time.GetUtcNow();
        if (failure is null)
        {
            LastSuccessAt = now;
            LastFailure = null;
        }
        else
        {
            LastFailureAt = now;
            LastFailure = failure.GetType().Name;
        }

        telemetry?.RecordTrackerCycle(duration, failure is null, now);
        CycleCompleted?.Invoke(this, EventArgs.Empty);
    }

    private TimeSpan Backoff(int failures, TimeSpan? retryAfter)
    {
        var doubled = _options.PollInterval * Math.Pow(2, Math.Min(failures, 10));
        var wait = doubled < _options.MaxOutageBackoff ? doubled : _options.MaxOutageBackoff;
        return retryAfter is { } after && after > wait && after <= _options.MaxOutageBackoff ? after : wait;
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken stoppingToken, EventHandler? waiting = null)
    {
        using var timeout = new CancellationTokenSource(wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        waiting?.Invoke(this, EventArgs.Empty);
        Waiting?.Invoke(this, EventArgs.Empty);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run tracking taken over: this instance holds the polling lease now")]
    private partial void LogTakenOver();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run tracking paused: {Kind}: {Message}; next attempt in {Wait}")]
    private partial void LogAirflowFailure(string kind, string message, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run tracking cycle failed; next attempt in {Wait}")]
    private partial void LogCycleFailure(Exception exception, TimeSpan wait);
}
