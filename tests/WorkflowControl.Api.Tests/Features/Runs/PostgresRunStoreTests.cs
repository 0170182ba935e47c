using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Features.Runs;

namespace WorkflowControl.Api.Tests.Features.Runs;

public sealed class PostgresRunStoreTests
{
    [Test]
    public async Task A_pending_trigger_Airflow_refuses_for_good_is_forgotten_not_kept_as_a_failed_run_only_the_dashboard_shows()
    {
        var workflow = await DeployedWorkflow.CreateAsync();
        const string runId = "wfc_refused_later";
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        // Stored as pending while Airflow was unreachable; the tracker triggers it once Airflow answers again.
        await db.ExecuteAsync(
            "INSERT INTO runs (workflow_id, dag_run_id, state, created_at, updated_at) VALUES (@id, @runId, 'pending', now(), now())",
            new { id = workflow.Id, runId });
        var store = new PostgresRunStore(ApiFixture.Factory.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System);
        var refused = new RunChange(new RunKey(workflow.DagId, runId), RunChangeKind.TriggerFailed, TrackedRunStates.Pending, AirflowRunStates.Failed, null,
            "The DAG has import errors in Airflow.");

        await store.SaveAsync(new RunPollResult([refused], [], 1), CancellationToken.None);

        Assert.That(await db.ExecuteScalarAsync<int>("SELECT count(*) FROM runs WHERE workflow_id = @id", new { id = workflow.Id }), Is.Zero);
    }
}
