using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace WorkflowControl.Api.Tests.Infrastructure.Telemetry;

/// <summary>
/// An in-memory span exporter that can be awaited: a server span ends just after its answer reaches the client, so
/// tests wait for the span itself instead of for time to pass.
/// </summary>
public sealed class SpanRecorder : BaseProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly List<(Func<Activity, bool> Match, TaskCompletionSource<Activity> Found)> _waiters = [];

    public IReadOnlyCollection<Activity> Spans => _spans;

    public override void OnEnd(Activity data)
    {
        _spans.Enqueue(data);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Match(data)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(data);
            }
        }
    }

    /// <summary>The first recorded span that matches, or the next one to end; fails the test when none does in time.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> match, string what)
    {
        var found = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_spans.FirstOrDefault(match) is { } already)
            {
                return already;
            }

            _waiters.Add((match, found));
        }

        // A guard against a hang, not a measurement: the span normally ends within milliseconds.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await found.Task.WaitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            throw new AssertionException($"no span {what}; recorded: {string.Join(", ", _spans.Select(s => s.DisplayName).Distinct())}");
        }
    }
}
