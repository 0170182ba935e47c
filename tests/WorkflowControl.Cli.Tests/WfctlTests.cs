using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace WorkflowControl.Cli.Tests;

/// <summary>wfctl driven in-process against the real API, PostgreSQL and a recorded Airflow 2.10.</summary>
public sealed class WfctlTests
{
    [Test]
    public async Task Validate_accepts_a_good_file_and_reports_each_problem_by_pointer_offline()
    {
        var good = WorkflowFiles.Write(WorkflowFiles.Document(WorkflowFiles.NewKey()));
        var bad = WorkflowFiles.Document(WorkflowFiles.NewKey());
        bad["spec"]!["tasks"]!.AsArray().Add(new JsonObject { ["id"] = "load", ["type"] = "extract.csv", ["config"] = new JsonObject { ["source"] = "x" }, ["dependsOn"] = new JsonArray("ghost") });
        var badPath = WorkflowFiles.Write(bad);

        // No server and no token: validate never needs them.
        var ok = await CliResult.RunAsync(["validate", good], new Dictionary<string, string?>());
        var failed = await CliResult.RunAsync(["validate", good, badPath], new Dictionary<string, string?>());
        var json = await CliResult.RunAsync(["validate", badPath, "--output", "json"], new Dictionary<string, string?>());

        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.ToString());
        Assert.That(failed.ExitCode, Is.EqualTo(1), failed.ToString());
        Assert.That(failed.Out, Does.Contain($"{badPath}: /spec/tasks/1/dependsOn/0: ").And.Contain("ghost"));
        var report = JsonDocument.Parse(json.Out).RootElement[0];
        Assert.That(report.GetProperty("valid").GetBoolean(), Is.False);
        Assert.That(report.GetProperty("problems")[0].GetProperty("pointer").GetString(), Is.EqualTo("/spec/tasks/1/dependsOn/0"));
    }

    [Test]
    public async Task Validate_reads_the_files_bytes_and_reports_invalid_UTF_8_as_the_API_does()
    {
        var path = WorkflowFiles.Write(WorkflowFiles.Document(WorkflowFiles.NewKey()));
        var text = await File.ReadAllBytesAsync(path);
        var name = System.Text.Encoding.UTF8.GetBytes("\"name\":\"");
        var at = text.AsSpan().IndexOf(name) + name.Length;
        await File.WriteAllBytesAsync(path, [.. text.AsSpan(0, at), 0xFF, .. text.AsSpan(at)]);

        var result = await CliResult.RunAsync(["validate", path], new Dictionary<string, string?>());

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Out, Does.Contain($"{path}: /metadata/name: ").And.Contain("not valid UTF-8"));
    }

    [Test]
    public async Task Usage_errors_exit_2_and_help_lists_the_exit_codes()
    {
        var user = await CiUser.CreateAsync();

        var unknown = await user.RunAsync("launch", "x");
        var badTimeout = await user.RunAsync("run", "x", "--timeout", "soon");
        var help = await user.RunAsync("--help");

        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString());
        Assert.That(badTimeout.ExitCode, Is.EqualTo(2), badTimeout.ToString());
        Assert.That(badTimeout.Error, Does.Contain("not a duration"));
        Assert.That(help.ExitCode, Is.EqualTo(0));
        Assert.That(help.Out, Does.Contain("4 conflict").And.Contain("7 server unavailable").And.Contain("8 Airflow cannot import").And.Contain("WFCTL_TOKEN"));
    }

    [Test]
    public async Task Push_creates_then_updates_by_key_and_an_identical_push_changes_nothing()
    {
        var user = await CiUser.CreateAsync();
        var key = WorkflowFiles.NewKey();
        var file = WorkflowFiles.Write(WorkflowFiles.Document(key));

        var created = await user.RunAsync("push", file);
        var again = await user.RunAsync("push", file);
        File.WriteAllText(file, WorkflowFiles.Document(key, source: "b.csv").ToJsonString());
        var updated = await user.RunAsync("push", file, "--output", "json");

        Assert.That(created.ExitCode, Is.EqualTo(0), created.ToString());
        Assert.That(created.Out, Does.Contain($"{key}: created").And.Contain("version 1"));
        Assert.That(again.Out, Does.Contain("unchanged at version 1"), again.ToString());
        var outcome = JsonDocument.Parse(updated.Out).RootElement[0];
        Assert.That(outcome.GetProperty("action").GetString(), Is.EqualTo("updated"), updated.ToString());
        Assert.That(outcome.GetProperty("version").GetInt32(), Is.EqualTo(2));
        var list = await user.Web.GetFromJsonAsync<JsonElement>($"/workflows?key={key}");
        Assert.That(list.GetProperty("total").GetInt32(), Is.EqualTo(1), "one workflow per key, not one per push");
    }

    [Test]
    public async Task Push_of_an_invalid_file_sends_nothing_and_exits_1()
    {
        var user = await CiUser.CreateAsync();
        var key = WorkflowFiles.NewKey();
        var document = WorkflowFiles.Document(key);
        document["spec"]!["tasks"]![0]!["type"] = "extract.nothing";

        var result = await user.RunAsync("push", WorkflowFiles.Write(document));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("/spec/tasks/0/type"));
        Assert.That((await user.Web.GetFromJsonAsync<JsonElement>($"/workflows?key={key}")).GetProperty("total").GetInt32(), Is.EqualTo(0));
    }

    [Test]
    public async Task A_stale_push_is_a_conflict_and_force_overwrites_deliberately()
    {
        var user = await CiUser.CreateAsync();
        var key = WorkflowFiles.NewKey();
        var file = WorkflowFiles.Write(WorkflowFiles.Document(key));
        Assert.That((await user.RunAsync("push", file)).ExitCode, Is.EqualTo(0));
        // Someone edits in the web app meanwhile: version 2 on the server.
        var id = (await user.Web.GetFromJsonAsync<JsonElement>($"/workflows?key={key}")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var edit = new HttpRequestMessage(HttpMethod.Put, $"/workflows/{id}") { Content = JsonContent.Create(WorkflowFiles.Document(key, source: "web.csv")) };
        edit.Headers.IfMatch.Add(new("\"1\""));
        Assert.That((int)(await user.Web.SendAsync(edit)).StatusCode, Is.EqualTo(200));
        File.WriteAllText(file, WorkflowFiles.Document(key, source: "ci.csv").ToJsonString());

        var stale = await user.RunAsync("push", file, "--base-version", "1");
        var afterStale = await user.Web.GetFromJsonAsync<JsonElement>($"/workflows/{id}");
        var forced = await user.RunAsync("push", file, "--base-version", "1", "--force");
        var afterForce = await user.Web.GetFromJsonAsync<JsonElement>($"/workflows/{id}");

        Assert.That(stale.ExitCode, Is.EqualTo(4), stale.ToString());
        Assert.That(stale.Error, Does.Contain("newer version").And.Contain("--force"));
        Assert.That(afterStale.GetProperty("document").GetProperty("spec").GetProperty("tasks")[0].GetProperty("config").GetProperty("source").GetString(), Is.EqualTo("web.csv"));
        Assert.That(forced.ExitCode, Is.EqualTo(0), forced.ToString());
        Assert.That(forced.Out, Does.Contain("overwrote newer version 2 with version 3"));
        Assert.That(afterForce.GetProperty("document").GetProperty("spec").GetProperty("tasks")[0].GetProperty("config").GetProperty("source").GetString(), Is.EqualTo("ci.csv"));
    }

    [Test]
    public async Task Diff_shows_what_a_push_would_change_as_pointers_and_export_prints_the_server_document()
    {
        var user = await CiUser.CreateAsync();
        var key = WorkflowFiles.NewKey();
        var file = WorkflowFiles.Write(WorkflowFiles.Document(key));

        var beforePush = await user.RunAsync("diff", file);
        await user.RunAsync("push", file);
        var same = await user.RunAsync("diff", file);
        File.WriteAllText(file, WorkflowFiles.Document(key, source: "b.csv", secondTask: "second").ToJsonString());
        var changed = await user.RunAsync("diff", file);
        var exported = await user.RunAsync("export", key);

        Assert.That(beforePush.Out, Does.Contain("a new workflow would be created"), beforePush.ToString());
        Assert.That(beforePush.ExitCode, Is.EqualTo(1), "differences exit 1, like git diff --exit-code");
        Assert.That(same.Out, Does.Contain("no changes"), same.ToString());
        Assert.That(same.ExitCode, Is.EqualTo(0), "a file the server already holds (its default execution mode included) is no change");
        Assert.That(changed.Out, Does.Contain("~ /spec/tasks/0/config/source: \"a.csv\" -> \"b.csv\"").And.Contain("+ /spec/tasks/1:"), changed.ToString());
        Assert.That(changed.ExitCode, Is.EqualTo(1));
        Assert.That(exported.ExitCode, Is.EqualTo(0), exported.ToString());
        var document = JsonNode.Parse(exported.Out)!;
        Assert.That(document["metadata"]!["key"]!.GetValue<string>(), Is.EqualTo(key));
        Assert.That(document["spec"]!["tasks"]![0]!["config"]!["source"]!.GetValue<string>(), Is.EqualTo("a.csv"), "export shows the server, not the file");
    }

    [Test]
    public async Task Commands_on_an_unknown_key_say_so_and_exit_1()
    {
        var user = await CiUser.CreateAsync();

        var result = await user.RunAsync("deploy", "no-such-key");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("No workflow with key 'no-such-key'"));
    }

    [Test]
    public async Task Run_before_deploy_is_a_conflict_with_the_servers_explanation()
    {
        var user = await CiUser.CreateAsync();
        var key = WorkflowFiles.NewKey();
        await user.RunAsync("push", WorkflowFiles.Write(WorkflowFiles.Document(key)));

        var result = await user.RunAsync("run", key);

        Assert.That(result.ExitCode, Is.EqualTo(4), result.ToString());
        Assert.That(result.Error, Does.Contain("Deploy it"));
    }

    [Test]
    public async Task Deploy_wait_follows_the_deployment_until_Airflow_has_parsed_it_so_a_run_can_start()
    {
        var (user, key, dagId) = await PushedAsync();
        var airflowParses = new SteppingTime(CliFixture.FollowDeploymentsAsync);
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));

        var deployed = await user.RunAsync(airflowParses, "deploy", key, "--active", "--wait");
        var run = await user.RunAsync("run", key);

        Assert.That(deployed.ExitCode, Is.EqualTo(0), deployed.ToString());
        Assert.That(deployed.Out, Does.Contain($"{key}: deployed version 1 to users/").And.Contain("(written)"));
        Assert.That(deployed.Out, Does.Contain($"{key}: version 1 parsed by Airflow"));
        Assert.That(airflowParses.StepErrors, Is.Empty);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    [Test]
    public async Task Deploy_wait_exits_8_with_Airflows_import_error_in_words_and_a_run_is_refused_naming_it()
    {
        var (user, key, dagId) = await PushedAsync();
        var airflowRefuses = new SteppingTime(async () =>
        {
            // Someone's hand edit on the server: assigning a read-only property of BaseOperator.
            var file = CliFixture.DagFiles.FileOf(dagId)!;
            var rendered = await File.ReadAllTextAsync(file);
            await File.AppendAllTextAsync(file, "\nt_extract.task_type = 'Csv'\n");
            await CliFixture.FollowDeploymentsAsync();
            await File.WriteAllTextAsync(file, rendered);
        });

        var deployed = await user.RunAsync(airflowRefuses, "deploy", key, "--wait");
        var run = await user.RunAsync("run", key);

        Assert.That(deployed.ExitCode, Is.EqualTo(8), deployed.ToString());
        Assert.That(deployed.Error, Does.Match(
            @"^wfctl: Airflow cannot import the DAG file of version 1: Line \d+ of the DAG file: AttributeError: property 'task_type' of 'ExtractStep' object has no setter\n$"));
        Assert.That(airflowRefuses.StepErrors, Is.Empty);
        Assert.That(run.ExitCode, Is.EqualTo(4), run.ToString());
        Assert.That(run.Error, Does.Contain("has an import error").And.Contain("object has no setter"));
    }

    [Test]
    public async Task Deploy_wait_exits_6_when_Airflow_has_not_parsed_the_file_within_the_timeout()
    {
        var (user, key, _) = await PushedAsync();
        var airflowIsSlow = new SteppingTime(() => Task.CompletedTask);

        var deployed = await user.RunAsync(airflowIsSlow, "deploy", key, "--wait", "--timeout", "10s");

        Assert.That(deployed.ExitCode, Is.EqualTo(6), deployed.ToString());
        Assert.That(deployed.Error, Does.Contain("Airflow did not parse version 1 within 00:00:10"));
        Assert.That(airflowIsSlow.Steps, Is.EqualTo(5), "one look every 2 s for 10 s, on the test's clock");
    }

    [Test]
    public async Task Deploying_over_an_active_run_exits_9_naming_it_and_force_deploys_anyway()
    {
        var (user, key, dagId) = await DeployedAsync();
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));
        var run = await user.RunAsync("run", key);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());

        var refused = await user.RunAsync("deploy", key);
        var forced = await user.RunAsync("deploy", key, "--force");

        Assert.That(refused.ExitCode, Is.EqualTo(9), refused.ToString());
        Assert.That(refused.Error, Does.Match(@"has active runs: .*wfc_\S+ \(queued\)"));
        Assert.That(refused.Error, Does.Contain("deploy anyway with --force"));
        Assert.That(forced.ExitCode, Is.EqualTo(0), forced.ToString());
    }

    [Test]
    public async Task Run_right_after_a_deploy_without_wait_is_a_conflict_to_try_again_shortly()
    {
        var (user, key, _) = await PushedAsync();
        await user.RunAsync("deploy", key);

        var result = await user.RunAsync("run", key);

        Assert.That(result.ExitCode, Is.EqualTo(4), result.ToString());
        Assert.That(result.Error, Does.Contain("not parsed by Airflow yet; try again in a few seconds"));
    }

    [Test]
    public async Task From_file_to_finished_run_deploy_run_wait_status_and_logs()
    {
        var (user, key, dagId) = await DeployedAsync();
        StubRun(dagId, "19-get-dag-run-success.json", "22-task-instances-of-run.json");
        CliFixture.StubJson("GET", $"/api/v1/dags/{dagId}/dagRuns", new JsonObject { ["dag_runs"] = new JsonArray(RunBody(dagId, "wfc_listed", "success")), ["total_entries"] = 1 });
        CliFixture.StubGetMatching($"^/api/v1/dags/{dagId}/dagRuns/[^/]+/taskInstances/[^/]+/logs/\\d+$", CliFixture.Recorded("24-task-log-json.json", dagId, "wfc_listed"));

        var run = await user.RunAsync("run", key, "--wait", "--timeout", "30s");
        var status = await user.RunAsync("status", key);
        var statusJson = await user.RunAsync("status", key, "--output", "json");
        var logs = await user.RunAsync("logs", key, "--run", "wfc_listed", "--task", "extract");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Out, Does.Match(@"run wfc_\S+: success"));
        Assert.That(run.Out, Does.Match(@"  \S+: success"), "each task's state is printed");
        Assert.That(CliFixture.Airflow.LogEntries.Count(e => e.RequestMessage?.Path == $"/api/v1/dags/{dagId}/dagRuns" && e.RequestMessage.Method == "POST"), Is.EqualTo(1));
        Assert.That(status.ExitCode, Is.EqualTo(0), status.ToString());
        Assert.That(status.Out, Does.Contain("version 1  parsed").And.Contain("wfc_listed  success"));
        Assert.That(JsonDocument.Parse(statusJson.Out).RootElement.GetProperty("deployments").GetArrayLength(), Is.EqualTo(1));
        Assert.That(logs.ExitCode, Is.EqualTo(0), logs.ToString());
        Assert.That(logs.Out, Does.Contain("Dependencies all met"));
    }

    [Test]
    public async Task Status_while_Airflow_is_down_shows_the_deployment_and_the_latest_run_the_server_recorded_and_exits_7()
    {
        var (user, key, dagId) = await DeployedAsync();
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));
        var triggered = await user.RunAsync("run", key);
        CliFixture.StubJson("GET", $"/api/v1/dags/{dagId}/dagRuns", new JsonObject { ["title"] = "Service Unavailable", ["status"] = 503 }, status: 503);

        var status = await user.RunAsync("status", key);
        var statusJson = await user.RunAsync("status", key, "--output", "json");

        Assert.That(triggered.ExitCode, Is.EqualTo(0), triggered.ToString());
        Assert.That(status.ExitCode, Is.EqualTo(7), status.ToString());
        Assert.That(status.Out, Does.Contain("version 1  parsed"), "the deployment, from the database");
        Assert.That(status.Out, Does.Contain("runs: not available right now").And.Contain("latest run recorded: queued"), "the run as WorkflowControl recorded it when it triggered it");
        Assert.That(status.Error, Does.StartWith("wfctl: Runs are not available: "), "only the missing part is the error");
        Assert.That(statusJson.ExitCode, Is.EqualTo(7), statusJson.ToString());
        var json = JsonDocument.Parse(statusJson.Out).RootElement;
        Assert.That(json.GetProperty("deployments").GetArrayLength(), Is.EqualTo(1));
        Assert.That(json.GetProperty("runs").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.GetProperty("lastRun").GetProperty("state").GetString(), Is.EqualTo("queued"));
    }

    [Test]
    public async Task Run_with_params_sends_them_typed_and_without_wait_returns_at_once()
    {
        var (user, key, dagId) = await DeployedAsync();
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));

        var unknown = await user.RunAsync("run", key, "--param", "colour=red");
        var triggered = await user.RunAsync("run", key, "--output", "json");

        Assert.That(unknown.ExitCode, Is.EqualTo(1), unknown.ToString());
        Assert.That(unknown.Error, Does.Contain("no parameter 'colour'"));
        Assert.That(triggered.ExitCode, Is.EqualTo(0), triggered.ToString());
        Assert.That(JsonDocument.Parse(triggered.Out).RootElement.GetProperty("state").GetString(), Is.EqualTo("queued"));
    }

    [Test]
    public async Task Each_run_sends_a_new_Idempotency_Key_and_a_given_key_returns_the_run_it_started()
    {
        var (user, key, dagId) = await DeployedAsync();
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));
        var wire = new TriggerWire(loseFirstAnswer: false);

        var first = await wire.RunAsync(user, "run", key);
        var second = await wire.RunAsync(user, "run", key);
        var ciJob = await wire.RunAsync(user, "run", key, "--idempotency-key", "ci-job-77");
        var ciJobAgain = await wire.RunAsync(user, "run", key, "--idempotency-key", "ci-job-77");

        Assert.That(new[] { first, second, ciJob, ciJobAgain }.Select(r => r.ExitCode), Is.All.EqualTo(0), string.Join("\n", first, second, ciJob, ciJobAgain));
        Assert.That(wire.Keys.Take(2).Select(k => Guid.TryParse(k, out _)), Is.All.True, "a UUID unless one is given");
        Assert.That(wire.Keys[0], Is.Not.EqualTo(wire.Keys[1]), "each invocation its own key");
        Assert.That(wire.Keys.Skip(2), Is.EqualTo(new[] { "ci-job-77", "ci-job-77" }));
        Assert.That(ciJobAgain.Out, Is.EqualTo(ciJob.Out), "the re-run CI job gets the run it started");
        Assert.That(AirflowTriggers(dagId), Is.EqualTo(3), "one Airflow run per key");
    }

    [Test]
    public async Task A_trigger_whose_answer_is_lost_is_sent_again_with_the_same_key_and_starts_one_run()
    {
        var (user, key, dagId) = await DeployedAsync();
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));
        var wire = new TriggerWire(loseFirstAnswer: true);

        // wfctl's pause before sending again passes at once on this clock.
        var result = await wire.RunAsync(user, "run", key, time: new SteppingTime(() => Task.CompletedTask));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(wire.Keys, Has.Count.EqualTo(2), "sent again after the lost answer");
        Assert.That(wire.Keys[1], Is.EqualTo(wire.Keys[0]));
        Assert.That(AirflowTriggers(dagId), Is.EqualTo(1));
    }

    private static int AirflowTriggers(string dagId) =>
        CliFixture.Airflow.LogEntries.Count(e => e.RequestMessage?.Path == $"/api/v1/dags/{dagId}/dagRuns" && e.RequestMessage.Method == "POST");

    /// <summary>
    /// The way from wfctl to the API: remembers the Idempotency-Key of each trigger and, with <paramref name="loseFirstAnswer"/>,
    /// lets the first trigger reach the API but drops its answer, as a connection reset would.
    /// </summary>
    private sealed class TriggerWire(bool loseFirstAnswer)
    {
        private int _lost;

        public List<string> Keys { get; } = [];

        public Task<CliResult> RunAsync(CiUser user, params string[] args) => RunAsync(user, args, null);

        public Task<CliResult> RunAsync(CiUser user, string command, string key, TimeProvider time) => RunAsync(user, [command, key], time);

        private Task<CliResult> RunAsync(CiUser user, string[] args, TimeProvider? time) =>
            CliResult.RunAsync(args, user.Environment(), () => new Recorder(this) { InnerHandler = CliFixture.Api.Server.CreateHandler() }, time);

        private bool LoseThisAnswer() => loseFirstAnswer && Interlocked.Exchange(ref _lost, 1) == 0;

        private sealed class Recorder(TriggerWire wire) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var trigger = request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/runs", StringComparison.Ordinal);
                if (trigger)
                {
                    wire.Keys.Add(request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : "(none)");
                }

                var response = await base.SendAsync(request, cancellationToken);
                if (trigger && wire.LoseThisAnswer())
                {
                    response.Dispose();
                    throw new HttpRequestException("The connection was reset.");
                }

                return response;
            }
        }
    }

    [Test]
    public async Task A_failed_run_exits_5_and_shows_the_failed_task()
    {
        var (user, key, dagId) = await DeployedAsync();
        StubRun(dagId, "28-get-failed-dag-run.json", "29-failed-run-task-instances.json");

        var result = await user.RunAsync("run", key, "--wait");

        Assert.That(result.ExitCode, Is.EqualTo(5), result.ToString());
        Assert.That(result.Out, Does.Match(@"  \S+: failed").And.Match(@"run \S+: failed"));
    }

    [Test]
    public async Task Waiting_for_a_run_someone_cancels_ends_with_exit_5_saying_cancelled()
    {
        var (user, key, dagId) = await DeployedAsync();
        StubRun(dagId, "18-get-dag-run-running.json", "22-task-instances-of-run.json");
        CliFixture.Airflow.Given(Request.Create().WithPath(new RegexMatcher($"^/api/v1/dags/{dagId}/dagRuns/[^/]+$")).UsingMethod("PATCH"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(RunBody(dagId, "any", "failed").ToJsonString()));
        var workflowId = Guid.Parse(dagId["wf_".Length..].Replace('_', '-'));
        var cancel = new Lazy<Task<HttpResponseMessage>>(() =>
        {
            var trigger = CliFixture.Airflow.LogEntries.Single(e => e.RequestMessage?.Path == $"/api/v1/dags/{dagId}/dagRuns" && e.RequestMessage.Method == "POST");
            var runId = JsonNode.Parse(trigger.RequestMessage!.Body!)!["dag_run_id"]!.GetValue<string>();
            return user.Web.PostAsync($"/workflows/{workflowId}/runs/{runId}/cancel", null);
        });

        // Someone cancels the run in the web app while wfctl waits for it.
        var result = await user.RunAsync(new SteppingTime(() => cancel.Value), "run", key, "--wait", "--timeout", "10m");

        Assert.That((await cancel.Value).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
        Assert.That(result.ExitCode, Is.EqualTo(5), result.ToString());
        Assert.That(result.Out, Does.Match(@"run \S+: cancelled"));
    }

    [Test]
    public async Task A_run_that_does_not_finish_in_time_exits_6()
    {
        var (user, key, dagId) = await DeployedAsync();
        StubRun(dagId, "18-get-dag-run-running.json", "22-task-instances-of-run.json");

        var result = await user.RunAsync("run", key, "--wait", "--timeout", "400ms");

        Assert.That(result.ExitCode, Is.EqualTo(6), result.ToString());
        Assert.That(result.Error, Does.Contain("did not finish").And.Contain("running"));
    }

    [Test]
    public async Task A_revoked_or_missing_token_exits_3()
    {
        var user = await CiUser.CreateAsync();
        Assert.That((int)(await user.Web.DeleteAsync($"/tokens/{user.TokenId}")).StatusCode, Is.EqualTo(204));

        var revoked = await user.RunAsync("status", "anything");
        var missing = await CliResult.RunAsync(["status", "anything"], new Dictionary<string, string?> { ["WFCTL_SERVER"] = "http://localhost" });

        Assert.That(revoked.ExitCode, Is.EqualTo(3), revoked.ToString());
        Assert.That(revoked.Error, Does.StartWith("wfctl: "));
        Assert.That(missing.ExitCode, Is.EqualTo(3), missing.ToString());
        Assert.That(missing.Error, Does.Contain("WFCTL_TOKEN"));
    }

    [Test]
    public async Task The_token_can_come_from_a_file_named_by_option_or_environment()
    {
        var user = await CiUser.CreateAsync();
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, user.Token + "\n");
        var server = new Dictionary<string, string?> { ["WFCTL_SERVER"] = "http://localhost" };
        var key = WorkflowFiles.NewKey();
        var file = WorkflowFiles.Write(WorkflowFiles.Document(key));

        var byOption = await CliResult.RunAsync(["push", file, "--token-file", tokenFile], server);
        var byEnvironment = await CliResult.RunAsync(["export", key], new Dictionary<string, string?>(server) { ["WFCTL_TOKEN_FILE"] = tokenFile });

        Assert.That(byOption.ExitCode, Is.EqualTo(0), byOption.ToString());
        Assert.That(byEnvironment.ExitCode, Is.EqualTo(0), byEnvironment.ToString());
    }

    [Test]
    public async Task An_unreachable_server_exits_7()
    {
        var variables = new Dictionary<string, string?> { ["WFCTL_SERVER"] = "http://127.0.0.1:9", ["WFCTL_TOKEN"] = "wfc_anything" };

        var result = await CliResult.RunAsync(["status", "x"], variables, () => new SocketsHttpHandler());

        Assert.That(result.ExitCode, Is.EqualTo(7), result.ToString());
        Assert.That(result.Error, Does.Contain("cannot be reached"));
    }

    /// <summary>
    /// A workflow pushed, deployed active with --wait and parsed by the stub Airflow. Active, because a DAG paused in
    /// Airflow refuses runs (409 "Paused in Airflow") and every caller of this triggers one.
    /// </summary>
    private static async Task<(CiUser User, string Key, string DagId)> DeployedAsync()
    {
        var (user, key, dagId) = await PushedAsync();
        var deployed = await user.RunAsync(new SteppingTime(CliFixture.FollowDeploymentsAsync), "deploy", key, "--active", "--wait");
        Assert.That(deployed.ExitCode, Is.EqualTo(0), deployed.ToString());
        Assert.That(deployed.Out, Does.Contain($"{key}: deployed version 1"));
        return (user, key, dagId);
    }

    private static async Task<(CiUser User, string Key, string DagId)> PushedAsync()
    {
        var user = await CiUser.CreateAsync();
        var key = WorkflowFiles.NewKey();
        var pushed = await user.RunAsync("push", WorkflowFiles.Write(WorkflowFiles.Document(key)), "-o", "json");
        Assert.That(pushed.ExitCode, Is.EqualTo(0), pushed.ToString());
        var id = JsonDocument.Parse(pushed.Out).RootElement[0].GetProperty("id").GetGuid();
        return (user, key, CliFixture.DagId(id));
    }

    private static JsonNode RunBody(string dagId, string runId, string state)
    {
        var run = CliFixture.Recorded("13-trigger-dag-run.json", dagId, runId);
        run["state"] = state;
        return run;
    }

    /// <summary>Airflow accepts the trigger and then answers every run of this DAG with the recorded run and task instances.</summary>
    private static void StubRun(string dagId, string runFile, string tasksFile)
    {
        CliFixture.StubJson("POST", $"/api/v1/dags/{dagId}/dagRuns", RunBody(dagId, "any", "queued"));
        CliFixture.StubGetMatching($"^/api/v1/dags/{dagId}/dagRuns/[^/]+$", CliFixture.Recorded(runFile, dagId, "wfc_run"));
        CliFixture.StubGetMatching($"^/api/v1/dags/{dagId}/dagRuns/[^/]+/taskInstances$", CliFixture.Recorded(tasksFile, dagId, "wfc_run"));
    }
}
