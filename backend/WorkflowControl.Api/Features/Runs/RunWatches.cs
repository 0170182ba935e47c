using Dapper;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Infrastructure.Realtime;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// The watched runs of every API instance, in PostgreSQL (run_watches): whichever instance polls Airflow fetches task
/// instances for runs watched through any instance. Rows expire after <c>Airflow:Tracking:WatchTimeout</c> unless their
/// instance renews them (<see cref="InstanceRowsKeeper"/>, every 20 s), so an instance that dies leaves no watch behind.
/// </summary>
public sealed class PostgresRunWatchList(NpgsqlDataSource database, ApiInstance instance, TimeProvider time, IConfiguration configuration)
    : IRunWatchList, IInstanceRows
{
    /// <summary>At least a minute: rows are renewed every 20 s, and one missed renewal must not drop a watch.</summary>
    public TimeSpan Timeout { get; } = TimeSpan.FromTicks(Math.Max(
        configuration.GetValue("Airflow:Tracking:WatchTimeout", TimeSpan.FromMinutes(2)).Ticks, TimeSpan.FromMinutes(1).Ticks));

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task WatchAsync(string watcher, RunKey run, CancellationToken ct = default)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(
            """
            INSERT INTO run_watches (connection_id, dag_id, dag_run_id, instance_id, expires_at)
            VALUES (@watcher, @dagId, @runId, @instance, @expires)
            ON CONFLICT (connection_id, dag_id, dag_run_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
            """,
            new { watcher, dagId = run.DagId, runId = run.DagRunId, instance = instance.Id, expires = Now + Timeout });
    }

    public async Task ForgetAsync(string watcher, CancellationToken ct = default)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("DELETE FROM run_watches WHERE connection_id = @watcher", new { watcher });
    }

    public async Task<IReadOnlyCollection<RunKey>> WatchedAsync(CancellationToken ct = default)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string DagId, string DagRunId)>(
            "SELECT DISTINCT dag_id, dag_run_id FROM run_watches WHERE expires_at > @now", new { now = Now });
        return rows.Select(r => new RunKey(r.DagId, r.DagRunId)).ToList();
    }

    /// <summary>Extends this instance's watches by one timeout and removes every expired one (of instances that died).</summary>
    public async Task RenewAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(
            """
            UPDATE run_watches SET expires_at = @expires WHERE instance_id = @instance;
            DELETE FROM run_watches WHERE expires_at <= @now;
            """,
            new { instance = instance.Id, now = Now, expires = Now + Timeout });
    }

    /// <summary>On shutdown: this instance's connections are gone, and so are their watches.</summary>
    public async Task ForgetInstanceAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync("DELETE FROM run_watches WHERE instance_id = @instance", new { instance = instance.Id });
    }
}
