using WorkflowControl.Airflow.Tracking;

namespace WorkflowControl.Api.Tests;

/// <summary>Drives the API's run tracker from a test by its events: ask for a cycle, await its end, never sleep.</summary>
public static class TrackerCycles
{
    /// <summary>Asks for cycles, one at a time, until <paramref name="done"/> holds after one (at most five).</summary>
    public static async Task UntilAsync(RunTracker tracker, Func<Task<bool>> done, string what)
    {
        for (var i = 0; i < 5; i++)
        {
            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Completed(object? sender, EventArgs e) => next.TrySetResult();
            tracker.CycleCompleted += Completed;
            try
            {
                tracker.PollSoon();
                // A guard against a hang, not a measurement: a cycle against a local stub takes milliseconds.
                await next.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                tracker.CycleCompleted -= Completed;
            }

            if (await done())
            {
                return;
            }
        }

        Assert.Fail($"the tracker never got there: {what}");
    }
}
