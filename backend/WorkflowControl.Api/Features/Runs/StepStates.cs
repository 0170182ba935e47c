using System.Text.Json;
using WorkflowControl.Airflow;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// One step of a run as the editor shows it on its node.
/// </summary>
/// <param name="StepId">The step (node) of the workflow.</param>
/// <param name="TaskId">The Airflow task the step ran in: the step's own id, or its fused group's (<c>first__to__last</c>).</param>
/// <param name="State">Airflow's task states; in a fused group the step's own (queued, running, success, failed, upstream_failed) from the group's record.</param>
/// <param name="TryNumber">The try of the Airflow task.</param>
/// <param name="DurationSeconds">The step's own time: its task's, or in a group the record's seconds (null without a record).</param>
/// <param name="Rows">Rows of the step's table, from its task's record (a group's, or a single step's own).</param>
/// <param name="Columns">Columns of the step's table, from its task's record (null for results that are not tables).</param>
/// <param name="Error">Why the step failed, from a group's record.</param>
public sealed record StepRunState(string StepId, string TaskId, string? State, int TryNumber, double? DurationSeconds,
    long? Rows, int? Columns, string? Error);

/// <summary>What a task's record (<c>_steps/&lt;task id&gt;.json</c>, kept by fused groups and single steps alike) says of one step; <paramref name="Result"/> is the reference to what a kept step wrote.</summary>
public sealed record StepRecordEntry(string? State, long? Rows, int? Columns, double? Seconds, string? Error, JsonElement? Result = null);

/// <summary>A fused group's record of its steps, and when it was last written.</summary>
public sealed record StepRecord(DateTimeOffset WrittenAt, IReadOnlyDictionary<string, StepRecordEntry> Steps)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>The record the task library writes (docs/task-library.md "Fused execution"), or null for anything else.</summary>
    public static StepRecord? Parse(string json, DateTimeOffset writtenAt)
    {
        try
        {
            return JsonSerializer.Deserialize<Wire>(json, Options)?.Steps is { } steps ? new StepRecord(writtenAt, steps) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Wire(Dictionary<string, StepRecordEntry>? Steps);
}

/// <summary>
/// Each step's state in a run, so a fused run looks like a per-step run on the canvas. A pure function of the
/// run's plan, Airflow's task instances and the groups' records.
/// </summary>
public static class StepStates
{
    /// <summary>The states in which a group has run (or runs) its current try, and so has written its record.</summary>
    private static readonly HashSet<string> RecordedStates = new(StringComparer.Ordinal) { "running", "success", "failed", "up_for_retry" };

    /// <summary>
    /// Steps in the plan's order. A single step takes its task's state. A step of a fused group takes its state from
    /// the group's record when the record belongs to the task's current try (written since the try started, and the
    /// task is running or finished), otherwise the group task's state: a cleared or queued group shows every step
    /// as the group is, not as its last try left them. Without a plan, every Airflow task stands for one step, and so
    /// does a task the plan does not name.
    /// </summary>
    public static IReadOnlyList<StepRunState> Of(IReadOnlyList<StepGroup>? groups, IReadOnlyList<AirflowTaskInstance> tasks, Func<StepGroup, StepRecord?> recordOf)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(recordOf);
        var byTask = tasks.GroupBy(t => t.TaskId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        groups ??= [.. tasks.Select(t => new StepGroup(t.TaskId, [t.TaskId], []))];
        var states = new List<StepRunState>();
        foreach (var group in groups)
        {
            var task = byTask.GetValueOrDefault(group.TaskId);
            var record = CurrentRecord(group, task, recordOf);
            if (group.IsSingleStep)
            {
                // Airflow's state is the step's; its own record adds the rows and columns it produced.
                var own = OwnTask(group.TaskId, task);
                states.Add(record?.Steps.GetValueOrDefault(group.TaskId) is { } counted ? own with { Rows = counted.Rows, Columns = counted.Columns } : own);
                continue;
            }

            foreach (var step in group.Steps)
            {
                states.Add(record?.Steps.GetValueOrDefault(step) is { } entry
                    ? new StepRunState(step, group.TaskId, entry.State ?? task?.State, task?.TryNumber ?? 0, entry.Seconds, entry.Rows, entry.Columns, entry.Error)
                    : new StepRunState(step, group.TaskId, task?.State, task?.TryNumber ?? 0, null, null, null, null));
            }
        }

        // Tasks the plan does not name (a DAG file of another version, say) still show, each as a step of its own.
        var planned = groups.Select(g => g.TaskId).ToHashSet(StringComparer.Ordinal);
        states.AddRange(byTask.Values.Where(t => !planned.Contains(t.TaskId)).Select(t => OwnTask(t.TaskId, t)));
        return states;
    }

    /// <summary>The task's record when it belongs to the current try (written since it started, the task running or finished).</summary>
    private static StepRecord? CurrentRecord(StepGroup group, AirflowTaskInstance? task, Func<StepGroup, StepRecord?> recordOf)
    {
        var record = task is { State: { } state } && RecordedStates.Contains(state) ? recordOf(group) : null;
        return record is not null && task?.StartDate is { } started && record.WrittenAt < started
            ? null // left by an earlier try
            : record;
    }

    /// <summary>A step that is its own Airflow task: the task's state, try and time are the step's.</summary>
    private static StepRunState OwnTask(string step, AirflowTaskInstance? task) =>
        new(step, step, task?.State, task?.TryNumber ?? 0, task?.Duration, null, null, null);
}
