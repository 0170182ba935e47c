namespace WorkflowControl.Api.Features.Runs;

/// <summary>The state a user sees, beside Airflow's: Airflow knows a cancelled run only as failed.</summary>
public static class RunStates
{
    public const string Cancelled = "cancelled";

    /// <summary>Runs that may be cancelled: not started in Airflow yet, or not finished.</summary>
    public static IReadOnlyList<string> Cancellable { get; } = ["pending", "queued", "running"];

    /// <summary>Task states after which a retry makes sense: the task has run (or will not run) and nothing is in flight.</summary>
    public static IReadOnlyList<string> RetryableTask { get; } = ["success", "failed", "upstream_failed", "skipped"];

    public static string Shown(string state, DateTime? cancelledAt) => cancelledAt is null ? state : Cancelled;

    public static string Shown(string state, DateTimeOffset? cancelledAt) => cancelledAt is null ? state : Cancelled;
}
