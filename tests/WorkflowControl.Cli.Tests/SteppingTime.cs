using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace WorkflowControl.Cli.Tests;

/// <summary>
/// The clock of a polling client under test: each wait the client starts lets the world take one step
/// (<paramref name="step"/>: say, Airflow parses and the deployment follower records it), then time moves on by
/// exactly that wait. Nothing sleeps; the client sees as much time pass as it asked to wait.
/// </summary>
public sealed class SteppingTime(Func<Task> step) : FakeTimeProvider
{
    /// <summary>What the steps threw: a bug in the test, reported by it.</summary>
    public ConcurrentQueue<Exception> StepErrors { get; } = new();

    public int Steps { get; private set; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    Steps++;
                    await step();
                }
                catch (Exception e)
                {
                    StepErrors.Enqueue(e);
                }

                Advance(dueTime);
            });
        }

        return timer;
    }
}
