using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using WorkflowControl.Api.Features.Workflows;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// A run as the runs table holds it: what WorkflowControl answers for runs Airflow does not have (pending, or refused for
/// good) and, while Airflow is unreachable, for every run it knows.
/// </summary>
public sealed class LocalRun
{
    private const string Columns =
        "dag_run_id, state, message, triggered_by, version, params::text AS params, reached_airflow, cancelled_at, created_at, started_at";

    public string DagRunId { get; init; } = "";
    public string State { get; init; } = "";
    public string? Message { get; init; }
    public Guid? TriggeredBy { get; init; }
    public int? Version { get; init; }
    public string Params { get; init; } = "{}";
    public bool ReachedAirflow { get; init; }
    public DateTime? CancelledAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }

    public static Task<LocalRun?> OneAsync(NpgsqlConnection connection, Guid workflowId, string runId) =>
        connection.QuerySingleOrDefaultAsync<LocalRun?>(
            $"SELECT {Columns} FROM runs WHERE workflow_id = @workflowId AND dag_run_id = @runId", new { workflowId, runId });

    public static Task<IEnumerable<LocalRun>> ManyAsync(NpgsqlConnection connection, Guid workflowId, IEnumerable<string> runIds) =>
        connection.QueryAsync<LocalRun>(
            $"SELECT {Columns} FROM runs WHERE workflow_id = @workflowId AND dag_run_id = ANY(@runIds)", new { workflowId, runIds = runIds.ToArray() });

    /// <summary>Up to <paramref name="limit"/> runs Airflow does not have, newest first, and how many there are.</summary>
    public static async Task<(IReadOnlyList<LocalRun> Items, int Total)> NotInAirflowAsync(NpgsqlConnection connection, Guid workflowId, int limit)
    {
        var rows = (await connection.QueryAsync<LocalRun>(
            $"SELECT {Columns} FROM runs WHERE workflow_id = @workflowId AND NOT reached_airflow ORDER BY created_at DESC, dag_run_id DESC LIMIT @limit",
            new { workflowId, limit })).ToList();
        var total = rows.Count < limit
            ? rows.Count
            : await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM runs WHERE workflow_id = @workflowId AND NOT reached_airflow", new { workflowId });
        return (rows, total);
    }

    /// <summary>A page of every stored run, newest first (while Airflow cannot be asked).</summary>
    public static async Task<(IReadOnlyList<LocalRun> Items, int Total)> PageAsync(NpgsqlConnection connection, Guid workflowId, int offset, int limit)
    {
        var rows = (await connection.QueryAsync<LocalRun>(
            $"SELECT {Columns} FROM runs WHERE workflow_id = @workflowId AND state <> 'deleted' ORDER BY created_at DESC, dag_run_id DESC OFFSET @offset LIMIT @limit",
            new { workflowId, offset, limit })).ToList();
        var total = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM runs WHERE workflow_id = @workflowId AND state <> 'deleted'", new { workflowId });
        return (rows, total);
    }

    private string ShownState => RunStates.Shown(State, CancelledAt);

    private DateTimeOffset? Started => StartedAt is { } at ? WorkflowRows.Utc(at) : null;

    /// <summary>Run type "manual": WorkflowControl stores the runs it triggered; runs Airflow started are read from Airflow.</summary>
    public RunSummaryItem Summary() =>
        new(DagRunId, ShownState, "manual", TriggeredBy, Version, null, Started, null, Message);

    /// <summary>The run without task instances, which only Airflow has.</summary>
    public RunDetail Detail(string? message) =>
        new(DagRunId, ShownState, "manual", TriggeredBy, Version, Started, null, JsonNode.Parse(Params) as JsonObject, [], [], message);
}
