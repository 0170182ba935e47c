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
    public async Task A_pending_trigger_Airflow_refuses_for_good_is_kept_as_failed_with_the_reason()
    {
        var workflow = await DeployedWorkflow.CreateAsync();
        const string runId = "wfc_refused_later";
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        // Stored as pending while Airflow was unreachable; the tracker triggers it once Airflow answers again.
        await db.ExecuteAsync(
            "INSERT INTO runs (workflow_id, dag_run_id, state, created_at, updated_at, reached_airflow) VALUES (@id, @runId, 'pending', now(), now(), false)",
            new { id = workflow.Id, runId });
        var store = new PostgresRunStore(ApiFixture.Factory.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System);
        var refused = new RunChange(new RunKey(workflow.DagId, runId), RunChangeKind.TriggerFailed, TrackedRunStates.Pending, AirflowRunStates.Failed, null,
            "The DAG has import errors in Airflow.");

        await store.SaveAsync(new RunPollResult([refused], [], 1), CancellationToken.None);

        var stored = await db.QuerySingleAsync<(string State, string Message, bool ReachedAirflow)>(
            "SELECT state, message, reached_airflow FROM runs WHERE workflow_id = @id", new { id = workflow.Id });
        // The run list shows runs that never reached Airflow from this table, so it and the dashboard agree.
        Assert.That(stored, Is.EqualTo(("failed", "The DAG has import errors in Airflow.", false)));
    }
}
