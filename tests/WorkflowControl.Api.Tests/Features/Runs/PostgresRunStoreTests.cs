using System.Text.Json.Nodes;
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

    [Test]
    public async Task A_stored_run_change_stays_unpublished_until_pushed_and_comes_back_as_it_was_stored()
    {
        var workflow = await DeployedWorkflow.CreateAsync();
        var store = new PostgresRunStore(ApiFixture.Factory.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System);
        var ended = new DateTimeOffset(2026, 12, 5, 10, 0, 9, TimeSpan.Zero);
        var run = new AirflowDagRun(workflow.DagId, "wfc_outbox", "success", "manual", null, ended.AddSeconds(-9), ended, new JsonObject { ["rows"] = 5 });
        var change = new RunChange(new RunKey(workflow.DagId, "wfc_outbox"), RunChangeKind.StateChanged, "running", "success", run);

        await store.SaveAsync(new RunPollResult([change], [], 1), CancellationToken.None);
        var left = await Of(workflow);
        await store.MarkPublishedAsync([change], CancellationToken.None);

        // What a poller that died before pushing leaves to the next one: the change the browser should have had.
        Assert.That(left, Is.EqualTo(new[] { change with { Run = run with { Conf = null } } }));
        Assert.That(await Of(workflow), Is.Empty, "pushed: the next poller does not send it again");

        async Task<List<RunChange>> Of(DeployedWorkflow w) =>
            [.. (await store.GetUnpublishedAsync(CancellationToken.None)).Where(c => c.Key.DagId == w.DagId)];
    }
}
