using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// The optional <c>Idempotency-Key</c> header of a trigger: the same key on the same workflow returns the run it
/// first made, so a CI pipeline may repeat a trigger whose answer it lost. The same key with other parameters is an error.
/// </summary>
public static class RunIdempotency
{
    public const int MaxLength = 255;

    /// <summary>1 to <see cref="MaxLength"/> visible ASCII characters (what a header carries safely).</summary>
    public static bool IsUsable(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is > ' ' and <= '~');

    /// <summary>The run an earlier trigger with this key made; <see cref="Earlier.SameParams"/> compares the resolved parameters.</summary>
    public sealed record Earlier(string RunId, string State, string? Message, bool SameParams);

    public static async Task<Earlier?> EarlierAsync(NpgsqlConnection connection, Guid workflowId, string key, JsonObject conf)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string DagRunId, string State, string? Message, DateTime? CancelledAt, bool SameParams)?>(
            "SELECT dag_run_id, state, message, cancelled_at, params = @conf::jsonb FROM runs WHERE workflow_id = @workflowId AND idempotency_key = @key",
            new { workflowId, key, conf = conf.ToJsonString() });
        return row is { } r ? new Earlier(r.DagRunId, RunStates.Shown(r.State, r.CancelledAt), r.Message, r.SameParams) : null;
    }
}
