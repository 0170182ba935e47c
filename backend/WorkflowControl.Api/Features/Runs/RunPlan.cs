using Dapper;
using Npgsql;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// Which Airflow task ran each step of a run: the groups of the version the run ran (<see cref="StepGrouping.Of"/>),
/// so a fused group's task id maps back to its steps and a step to the task whose log and retry it shares.
/// </summary>
/// <param name="OwnerId">Whose folder under the shared data root holds the run's files.</param>
public sealed record RunPlan(Guid OwnerId, IReadOnlyList<StepGroup> Groups)
{
    private readonly Dictionary<string, StepGroup> _groupOfStep =
        Groups.SelectMany(g => g.Steps.Select(s => (s, g))).ToDictionary(p => p.s, p => p.g, StringComparer.Ordinal);

    private readonly Dictionary<string, StepGroup> _groupOfTask = Groups.ToDictionary(g => g.TaskId, StringComparer.Ordinal);

    /// <summary>The Airflow task of a step; a task id (or anything else) is returned as it is.</summary>
    public string TaskOf(string stepOrTask) =>
        _groupOfTask.ContainsKey(stepOrTask) ? stepOrTask : _groupOfStep.GetValueOrDefault(stepOrTask)?.TaskId ?? stepOrTask;

    /// <summary>The steps an Airflow task ran; a task the plan does not know stands for itself (a step of its own).</summary>
    public IReadOnlyList<string> StepsOf(string taskId) => _groupOfTask.TryGetValue(taskId, out var group) ? group.Steps : [taskId];

    /// <summary>
    /// The plan of the version the run ran: the runs table's version for runs started here, the current deployment's
    /// for runs Airflow started on its own (scheduled, from its UI). Null when neither is known.
    /// </summary>
    public static async Task<RunPlan?> LoadAsync(NpgsqlConnection connection, Guid workflowId, string runId)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(Guid OwnerId, string Document)?>(
            """
            SELECT w.owner_id, v.document::text FROM workflows w
            JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = coalesce(
                (SELECT r.version FROM runs r WHERE r.workflow_id = w.id AND r.dag_run_id = @runId),
                (SELECT d.version FROM deployments d WHERE d.workflow_id = w.id AND d.state <> 'superseded' ORDER BY d.created_at DESC LIMIT 1))
            WHERE w.id = @workflowId
            """,
            new { workflowId, runId });
        if (row is not { } found)
        {
            return null;
        }

        var document = System.Text.Json.JsonSerializer.Deserialize<WorkflowDocument>(found.Document, WorkflowJson.Options)!;
        return new RunPlan(found.OwnerId, StepGrouping.Of(document.Spec));
    }
}
