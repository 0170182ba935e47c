using Dapper;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Infrastructure.Telemetry;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Deployments;

/// <summary>
/// Follows written deployments until Airflow has parsed them (or reports an import error naming the file), asks
/// Airflow 3 to re-parse files it already knows, and unpauses DAGs deployed as active. Timing is on TimeProvider.
/// Only the instance holding the polling lease follows (the run tracker's lease): one poller per cluster.
/// </summary>
public sealed class DeploymentFollower(
    NpgsqlDataSource database, IAirflowClient airflow, IPollingLease lease, TimeProvider time, IConfiguration configuration,
    ILogger<DeploymentFollower> logger, ApiTelemetry telemetry)
    : BackgroundService
{
    private readonly HashSet<Guid> _reparseRequested = [];
    private int _cycles;

    /// <summary>Rounds of the loop, following or standing by (another instance holds the lease).</summary>
    public int Cycles => _cycles;

    /// <summary>Raised after each round, once the next one is scheduled on the clock (tests await it instead of waiting).</summary>
    public event EventHandler? CycleCompleted;

    public TimeSpan Interval { get; } = IntervalOf(configuration);

    /// <summary>How often written deployments are followed (<c>Airflow:Deployments:PollInterval</c>, 5 s by default).</summary>
    public static TimeSpan IntervalOf(IConfiguration configuration) =>
        configuration.GetValue("Airflow:Deployments:PollInterval", TimeSpan.FromSeconds(5));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await lease.HoldAsync(stoppingToken))
                {
                    await FollowOnceAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is AirflowException or NpgsqlException or HttpRequestException)
            {
                logger.LogWarning("Following deployments failed, trying again later: {Reason}", e.Message);
            }

            // The delay's timer starts before anyone hears of the round: a test that then moves the clock wakes it.
            var next = Task.Delay(Interval, time, stoppingToken);
            Interlocked.Increment(ref _cycles);
            CycleCompleted?.Invoke(this, EventArgs.Empty);
            await next;
        }
    }

    private sealed class Open
    {
        public Guid Id { get; init; }
        public Guid WorkflowId { get; init; }
        public string File { get; init; } = "";
        public bool Active { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    public async Task FollowOnceAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var open = (await connection.QueryAsync<Open>("SELECT id, workflow_id, file, active, created_at FROM deployments WHERE state = 'written'")).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var importErrors = await airflow.ListImportErrorsAsync(ct);
        foreach (var deployment in open)
        {
            using var activity = ApiTelemetry.Source.StartActivity("follow deployment");
            ApiTelemetry.Tag(deployment.WorkflowId);
            var dagId = DagPaths.DagId(deployment.WorkflowId);
            var dag = await airflow.GetDagAsync(dagId, ct);
            var writtenAt = new DateTimeOffset(DateTime.SpecifyKind(deployment.CreatedAt, DateTimeKind.Utc));
            var observed = DeploymentStates.Decide(writtenAt, deployment.File, dag, importErrors, _reparseRequested.Contains(deployment.Id));
            if (observed.RequestReparse && dag is not null && await airflow.RequestReparseAsync(dag.FileToken, ct))
            {
                _reparseRequested.Add(deployment.Id);
            }

            var paused = dag?.IsPaused;
            if (observed.State == "parsed" && deployment.Active && dag!.IsPaused)
            {
                paused = (await airflow.SetPausedAsync(dagId, paused: false, ct)).IsPaused;
            }

            await connection.ExecuteAsync(
                "UPDATE deployments SET state = @state, message = @message, paused_in_airflow = coalesce(@paused, paused_in_airflow), updated_at = @now WHERE id = @id AND state = 'written'",
                new { id = deployment.Id, state = observed.State, message = observed.Message, paused, now = time.GetUtcNow().UtcDateTime });
            if (observed.State != "written")
            {
                telemetry.DeploymentObserved(observed.State, time.GetUtcNow() - writtenAt);
                _reparseRequested.Remove(deployment.Id);
            }
        }
    }
}
