using System.Text.Json.Nodes;
using WorkflowControl.Airflow.Tests.Fakes;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Client;

/// <summary>Every IAirflowClient operation against both generations; the base class checks all traffic against the official document.</summary>
[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public class AirflowClientTests(AirflowGeneration generation) : AirflowTestBase(generation)
{
    [Test]
    public async Task The_generation_is_detected_from_the_server()
    {
        var info = await H.Client.GetServerInfoAsync();

        Assert.That(info.Generation, Is.EqualTo(Generation));
        Assert.That(info.Version, Does.StartWith(Generation == AirflowGeneration.V1 ? "2." : "3."));
        // /api/v1 is asked first: a 2.10 server never sees a request for /api/v2 (nor logs its 404 on every start).
        Assert.That(H.Airflow.AllRequests.Where(r => r.Contains("/api/v2/", StringComparison.Ordinal)), Generation == AirflowGeneration.V1 ? Is.Empty : Is.Not.Empty);
    }

    [Test]
    public async Task Health_reports_the_components()
    {
        var health = await H.Client.GetHealthAsync();

        Assert.That(health.IsHealthy, Is.True);
        Assert.That(health.Components["metadatabase"], Is.EqualTo("healthy"));
    }

    [Test]
    public async Task A_dag_not_parsed_yet_is_null_and_appears_once_parsed()
    {
        Assert.That(await H.Client.GetDagAsync("wf_1"), Is.Null, "404 before the file is parsed");

        H.Airflow.AddDag("wf_1", paused: true);
        var dag = await H.Client.GetDagAsync("wf_1");

        Assert.That(dag, Is.Not.Null);
        Assert.That(dag!.IsPaused, Is.True, "new DAGs start paused");
        Assert.That(dag.FileToken, Is.EqualTo(H.Airflow.Dags["wf_1"].FileToken));
        Assert.That(dag.FileLocation, Does.EndWith("users/wf_1.py"));
    }

    [Test]
    public async Task Import_errors_are_listed_with_file_and_trace()
    {
        H.Airflow.ImportErrors.Add(("users/u/wf_broken.py", "Traceback ...\nModuleNotFoundError: No module named 'nope'\n"));

        var errors = await H.Client.ListImportErrorsAsync();

        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Filename, Is.EqualTo("users/u/wf_broken.py"));
        Assert.That(errors[0].StackTrace, Does.Contain("ModuleNotFoundError"));
    }

    [Test]
    public async Task Reparse_is_accepted_for_a_known_file_and_refused_for_an_unknown_one()
    {
        var dag = H.Airflow.AddDag("wf_1");

        Assert.That(await H.Client.RequestReparseAsync(dag.FileToken), Is.True);
        Assert.That(await H.Client.RequestReparseAsync("bm90LWEtZmlsZQ.signature"), Is.False);
    }

    [Test]
    public async Task Pausing_and_unpausing_changes_the_dag()
    {
        H.Airflow.AddDag("wf_1", paused: true);

        var unpaused = await H.Client.SetPausedAsync("wf_1", false);

        Assert.That(unpaused.IsPaused, Is.False);
        Assert.That(H.Airflow.Dags["wf_1"].IsPaused, Is.False);
        Assert.That((await H.Client.SetPausedAsync("wf_1", true)).IsPaused, Is.True);
    }

    [Test]
    public async Task Deleting_a_dag_removes_it_and_deleting_again_is_harmless()
    {
        H.Airflow.AddDag("wf_1");

        await H.Client.DeleteDagAsync("wf_1");
        await H.Client.DeleteDagAsync("wf_1");

        Assert.That(H.Airflow.Dags, Does.Not.ContainKey("wf_1"));
    }

    [Test]
    public async Task Trigger_creates_the_run_with_our_id_and_conf()
    {
        H.Airflow.AddDag("wf_1");

        var run = await H.Client.TriggerDagRunAsync("wf_1", "wfc_run_1", new JsonObject { ["region"] = "eu", ["n"] = 3 });

        Assert.That(run.DagRunId, Is.EqualTo("wfc_run_1"));
        Assert.That(run.State, Is.EqualTo("queued"));
        Assert.That(run.RunType, Is.EqualTo("manual"));
        Assert.That(run.Conf!["region"]!.GetValue<string>(), Is.EqualTo("eu"));
        Assert.That(H.Airflow.Runs.Single().Conf["n"]!.GetValue<int>(), Is.EqualTo(3));
    }

    [Test]
    public async Task Triggering_the_same_run_id_twice_returns_the_existing_run()
    {
        H.Airflow.AddDag("wf_1");

        var first = await H.Client.TriggerDagRunAsync("wf_1", "wfc_run_1", null);
        var second = await H.Client.TriggerDagRunAsync("wf_1", "wfc_run_1", null);

        Assert.That(second.DagRunId, Is.EqualTo(first.DagRunId));
        Assert.That(H.Airflow.Runs, Has.Count.EqualTo(1), "exactly one run");
    }

    [Test]
    public void Triggering_a_dag_with_import_errors_says_so()
    {
        H.Airflow.AddDag("wf_1").HasImportErrors = true;

        var e = Assert.ThrowsAsync<AirflowImportErrorException>(() => H.Client.TriggerDagRunAsync("wf_1", "r1", null));

        Assert.That(e!.DagId, Is.EqualTo("wf_1"));
    }

    [Test]
    public void Triggering_an_unknown_dag_is_not_found()
    {
        Assert.ThrowsAsync<AirflowNotFoundException>(() => H.Client.TriggerDagRunAsync("wf_missing", "r1", null));
    }

    [Test]
    public async Task Runs_are_read_singly_per_dag_and_in_batches()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddDag("wf_2");
        H.Airflow.AddRun("wf_1", "scheduled__1", "success");
        H.Time.Advance(TimeSpan.FromMinutes(1));
        H.Airflow.AddRun("wf_1", "scheduled__2", "running");
        H.Airflow.AddRun("wf_2", "manual__1", "queued", "manual");

        var single = await H.Client.GetDagRunAsync("wf_1", "scheduled__2");
        var missing = await H.Client.GetDagRunAsync("wf_1", "nope");
        var ofDag = await H.Client.ListDagRunsAsync("wf_1", AirflowPaging.First);
        var batch = await H.Client.ListDagRunsBatchAsync(new DagRunQuery(["wf_1", "wf_2"]) { States = AirflowRunStates.Active }, AirflowPaging.First);

        Assert.That(single!.State, Is.EqualTo("running"));
        Assert.That(single.RunType, Is.EqualTo("scheduled"));
        Assert.That(missing, Is.Null);
        Assert.That(ofDag.Items.Select(r => r.DagRunId), Is.EqualTo(new[] { "scheduled__2", "scheduled__1" }), "newest first");
        Assert.That(batch.Items.Select(r => r.DagRunId), Is.EquivalentTo(new[] { "scheduled__2", "manual__1" }));
        Assert.That(batch.TotalEntries, Is.EqualTo(2));
    }

    [Test]
    public async Task Task_instances_are_read_per_run_and_for_many_runs_at_once()
    {
        H.Airflow.AddDag("wf_1", false, "extract", "clean", "load");
        H.Airflow.AddDag("wf_2", false, "only");
        H.Airflow.AddRun("wf_1", "r1");
        H.Airflow.AddRun("wf_2", "r1");
        H.Airflow.AddRun("wf_2", "r2");
        H.Airflow.SetTaskState("wf_1", "r1", "extract", "running");

        var ofRun = await H.Client.ListTaskInstancesAsync("wf_1", "r1");
        var batch = await H.Client.ListTaskInstancesBatchAsync([new RunKey("wf_1", "r1"), new RunKey("wf_2", "r2")]);

        Assert.That(ofRun.Select(t => t.TaskId), Is.EqualTo(new[] { "extract", "clean", "load" }));
        Assert.That(ofRun[0].State, Is.EqualTo("running"));
        Assert.That(ofRun[0].TryNumber, Is.EqualTo(1));
        Assert.That(ofRun[1].State, Is.Null, "not scheduled yet");
        Assert.That(batch.Select(t => $"{t.DagId}/{t.DagRunId}/{t.TaskId}"), Is.EquivalentTo(new[]
        {
            "wf_1/r1/extract", "wf_1/r1/clean", "wf_1/r1/load", "wf_2/r2/only",
        }), "only the exact runs asked for, not wf_2/r1 that shares a run id");
    }

    [Test]
    public async Task Logs_come_back_as_plain_text_and_follow_with_the_continuation_token()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1");
        H.Airflow.SetTaskState("wf_1", "r1", "extract", "running");

        var first = await H.Client.GetTaskLogAsync("wf_1", "r1", "extract", 1, null);
        H.Airflow.Mutate(() => H.Airflow.Tasks[new RunKey("wf_1", "r1")][0].Log += "extract: line 3 \\ backslash\n");
        H.Airflow.SetTaskState("wf_1", "r1", "extract", "success");
        var next = await H.Client.GetTaskLogAsync("wf_1", "r1", "extract", 1, first.ContinuationToken);

        Assert.That(first.Content, Does.Contain("extract: line 1 with 'quotes' and \"double\""));
        Assert.That(first.Content, Does.Contain("extract: line 2"));
        Assert.That(first.Content, Does.Not.Contain("('vm'"), "no Python repr");
        Assert.That(first.EndOfLog, Is.False, "the task is still running");
        Assert.That(next.Content, Does.Contain("extract: line 3 \\ backslash"));
        Assert.That(next.Content, Does.Not.Contain("line 1"), "only what is new");
        Assert.That(next.EndOfLog, Is.True);
    }

    [Test]
    public void A_log_of_a_try_that_does_not_exist_is_not_found()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1");

        Assert.ThrowsAsync<AirflowNotFoundException>(() => H.Client.GetTaskLogAsync("wf_1", "r1", "extract", 5, null));
    }

    [Test]
    public async Task Cancel_marks_the_run_failed()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1", "running", "manual");

        var run = await H.Client.MarkDagRunFailedAsync("wf_1", "r1");

        Assert.That(run.State, Is.EqualTo("failed"));
        Assert.That(H.Airflow.Runs.Single().State, Is.EqualTo("failed"));
    }

    [Test]
    public async Task Retrying_a_task_clears_that_task_for_real_whatever_it_ended_with()
    {
        H.Airflow.AddDag("wf_1", false, "extract", "clean", "load");
        H.Airflow.AddRun("wf_1", "r1", "failed", "manual");
        H.Airflow.SetTaskState("wf_1", "r1", "extract", "success");
        H.Airflow.SetTaskState("wf_1", "r1", "clean", "failed");
        H.Airflow.SetTaskState("wf_1", "r1", "load", "upstream_failed");

        var cleared = await H.Client.ClearTaskAsync("wf_1", "r1", "extract");

        Assert.That(cleared, Is.EqualTo(new[] { "extract" }), "the succeeded task asked for, not the failed one after it");
        Assert.That(H.Airflow.Tasks[new RunKey("wf_1", "r1")].Select(t => t.State), Is.EqualTo(new[] { null, "failed", "upstream_failed" }), "dry_run false: really cleared");
        Assert.That(H.Airflow.Runs.Single().State, Is.EqualTo("queued"), "the run goes back to queued");
        Assert.That(H.ContractProblems(), Is.Empty);
    }

    [Test]
    public async Task Retrying_a_task_with_its_downstream_clears_every_task_after_it()
    {
        H.Airflow.AddDag("wf_1", false, "extract", "clean", "load");
        H.Airflow.AddRun("wf_1", "r1", "success", "manual");
        foreach (var task in new[] { "extract", "clean", "load" })
        {
            H.Airflow.SetTaskState("wf_1", "r1", task, "success");
        }

        var cleared = await H.Client.ClearTaskAsync("wf_1", "r1", "clean", includeDownstream: true);
        var sent = JsonNode.Parse(H.Airflow.Exchanges.Last(e => e.Path.EndsWith("/clearTaskInstances", StringComparison.Ordinal)).RequestBody!)!;

        Assert.That(cleared, Is.EqualTo(new[] { "clean", "load" }));
        Assert.That((bool)sent["only_failed"]!, Is.False);
        Assert.That((bool)sent["include_downstream"]!, Is.True);
        Assert.That((bool)sent["dry_run"]!, Is.False);
        Assert.That(H.ContractProblems(), Is.Empty, "the body is valid against the official document of this generation");
    }

    [Test]
    public async Task Each_request_is_one_debug_line_by_endpoint_template_and_status_without_credentials()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetDagAsync("wf_1"); // version detection and (3.x) the token, once
        H.Logs.Lines.Clear();

        await H.Client.GetDagAsync("wf_1");

        var endpoint = (Generation == AirflowGeneration.V1 ? "/api/v1" : "/api/v2") + "/dags/{dagId}";
        var line = H.Logs.Lines.Single();
        Assert.That(line, Does.StartWith($"Debug WorkflowControl.Airflow.Http.AirflowRequestLogHandler: Airflow GET {endpoint} answered 200 in 0 ms "),
            "one line: no HttpClient or Polly lines, no filled URL, no headers");
        Assert.That(line, Does.Contain($"Endpoint={endpoint}").And.Contain("Status=200").And.Contain("Method=GET").And.Contain("ElapsedMs=0"), "structured");
        // The base class asserts that neither the password, the Basic header value nor a token appears.
    }

    [Test]
    public async Task A_failed_request_is_one_warning_per_attempt_and_an_expected_404_is_not_a_failure()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetDagAsync("wf_1");
        H.Logs.Lines.Clear();
        await H.Client.GetDagAsync("wf_missing");
        var missing = H.Logs.Lines.Where(l => !l.StartsWith("Debug", StringComparison.Ordinal)).ToList();
        H.Logs.Lines.Clear();
        H.Airflow.Down = true;

        await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));

        Assert.That(missing, Is.Empty, "404 is an answer the client expects");
        var warnings = H.Logs.Lines.Where(l => l.StartsWith("Warning WorkflowControl.Airflow.Http.AirflowRequestLogHandler", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Is.Not.Empty.And.All.Contains(" failed: 503 after "), "one per attempt (retries, and 3.x's token requests, included)");
        Assert.That(warnings, Has.Some.Contains("/dags/{dagId} failed: 503"));
        Assert.That(warnings, Has.None.Contains("wf_1"), "templates, never filled URLs");
        Assert.That(H.Logs.Lines.Where(l => l.Contains("System.Net.Http.HttpClient", StringComparison.Ordinal)), Is.Empty, "HttpClient's own lines are off");
    }
}
