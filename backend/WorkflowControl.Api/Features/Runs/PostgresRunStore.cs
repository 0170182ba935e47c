using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// The run tracker's memory: the runs table, plus the DAG ids of deployed workflows to discover runs started elsewhere,
/// and the run changes saved but not yet pushed (run_outbox), which outlive the instance that saved them.
/// </summary>
public sealed class PostgresRunStore(NpgsqlDataSource database, TimeProvider time) : IRunStore
{
    public async Task<IReadOnlyList<TrackedRun>> GetActiveRunsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid WorkflowId, string DagRunId, string State, string Params, bool Cancelled)>(
            "SELECT workflow_id, dag_run_id, state, params::text, cancelled_at IS NOT NULL FROM runs WHERE state IN ('pending', 'queued', 'running')");
        return rows.Select(r => new TrackedRun(new RunKey(DagPaths.DagId(r.WorkflowId), r.DagRunId), r.State, JsonNode.Parse(r.Params) as JsonObject, r.Cancelled)).ToList();
    }

    public async Task<IReadOnlyCollection<string>> GetTrackedDagIdsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var ids = await connection.QueryAsync<Guid>("SELECT DISTINCT workflow_id FROM deployments WHERE state <> 'superseded'");
        return ids.Select(DagPaths.DagId).ToList();
    }

    public async Task<IReadOnlyDictionary<RunKey, string>> GetKnownStatesAsync(IReadOnlyCollection<RunKey> runs, CancellationToken ct)
    {
        var keys = runs.Select(r => (Workflow: DagPaths.WorkflowIdOf(r.DagId), r.DagRunId)).Where(k => k.Workflow is not null).ToList();
        if (keys.Count == 0)
        {
            return new Dictionary<RunKey, string>();
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(Guid WorkflowId, string DagRunId, string State)>(
            "SELECT r.workflow_id, r.dag_run_id, r.state FROM runs r JOIN unnest(@workflows, @runIds) AS k(w, id) ON r.workflow_id = k.w AND r.dag_run_id = k.id",
            new { workflows = keys.Select(k => k.Workflow!.Value).ToArray(), runIds = keys.Select(k => k.DagRunId).ToArray() });
        return rows.ToDictionary(r => new RunKey(DagPaths.DagId(r.WorkflowId), r.DagRunId), r => r.State);
    }

    public async Task SaveAsync(RunPollResult result, CancellationToken ct)
    {
        if (result.Runs.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var change in result.Runs)
        {
            if (DagPaths.WorkflowIdOf(change.Key.DagId) is not { } workflowId)
            {
                continue;
            }

            if (change.Kind == RunChangeKind.TriggerFailed)
            {
                // Airflow refused the run for good and made none: it stays here, failed with the reason, listed like any run.
                await connection.ExecuteAsync(
                    "UPDATE runs SET state = @state, message = @error, updated_at = @now WHERE workflow_id = @workflowId AND dag_run_id = @runId AND state = 'pending'",
                    new { workflowId, runId = change.Key.DagRunId, state = change.NewState, error = change.Error, now }, transaction);
            }
            else
            {
                await UpsertAsync(connection, transaction, workflowId, change, now);
            }

            await connection.ExecuteAsync(
                """
                INSERT INTO run_outbox (workflow_id, dag_run_id, state, change, created_at)
                SELECT @workflowId, @runId, @state, @change::jsonb, @now WHERE EXISTS (SELECT 1 FROM workflows WHERE id = @workflowId)
                """,
                new { workflowId, runId = change.Key.DagRunId, state = change.NewState, change = Outgoing(change), now }, transaction);
        }

        await transaction.CommitAsync(ct);
    }

    private static async Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workflowId, RunChange change, DateTime now)
    {
        // Discovered runs (scheduler, Airflow UI) are inserted; known runs only change state. A triggered run forgets
        // why it was waiting.
        await connection.ExecuteAsync(
            """
            INSERT INTO runs (workflow_id, dag_run_id, params, state, message, started_at, created_at, updated_at)
            SELECT @workflowId, @runId, @conf::jsonb, @state, @error, @startedAt, @now, @now WHERE EXISTS (SELECT 1 FROM workflows WHERE id = @workflowId)
            ON CONFLICT (workflow_id, dag_run_id) DO UPDATE SET state = EXCLUDED.state,
                message = CASE WHEN @triggered THEN EXCLUDED.message ELSE coalesce(EXCLUDED.message, runs.message) END,
                started_at = coalesce(EXCLUDED.started_at, runs.started_at), updated_at = EXCLUDED.updated_at, reached_airflow = true
            """,
            new
            {
                workflowId, runId = change.Key.DagRunId, conf = change.Run?.Conf?.ToJsonString() ?? "{}", state = change.NewState, error = change.Error,
                startedAt = change.Run?.StartDate?.UtcDateTime, now, triggered = change.Kind == RunChangeKind.Triggered,
            },
            transaction);
    }

    public async Task<IReadOnlyList<RunChange>> GetUnpublishedAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<string>("SELECT change::text FROM run_outbox ORDER BY id");
        return rows.Select(r => JsonSerializer.Deserialize<RunChange>(r)!).ToList();
    }

    public async Task MarkPublishedAsync(IReadOnlyList<RunChange> changes, CancellationToken ct)
    {
        var keys = changes.Select(c => (Workflow: DagPaths.WorkflowIdOf(c.Key.DagId), c.Key.DagRunId, c.NewState)).Where(k => k.Workflow is not null).ToList();
        if (keys.Count == 0)
        {
            return;
        }

        // By run and state, not by row: a state pushed once stands for every saved change that led to it.
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(
            """
            DELETE FROM run_outbox o USING unnest(@workflows, @runIds, @states) AS k(w, id, state)
            WHERE o.workflow_id = k.w AND o.dag_run_id = k.id AND o.state = k.state
            """,
            new { workflows = keys.Select(k => k.Workflow!.Value).ToArray(), runIds = keys.Select(k => k.DagRunId).ToArray(), states = keys.Select(k => k.NewState).ToArray() });
    }

    /// <summary>The change as the notifier needs it later: without the run's conf, which can be large and is never pushed.</summary>
    private static string Outgoing(RunChange change) =>
        JsonSerializer.Serialize(change.Run is null ? change : change with { Run = change.Run with { Conf = null } });
}
