using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowControl.Airflow;
using WorkflowControl.Api.Features.Deployments;

namespace WorkflowControl.Api.Tests.Features.Deployments;

public sealed class DeploymentFollowUpTests
{
    private static readonly DateTimeOffset Written = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private const string File = "users/user_a/wf_b.py";

    private static AirflowDag Dag(DateTimeOffset? parsed) => new("wf_b", "x", true, true, false, "token", "/opt/airflow/dags/" + File, parsed);

    [Test]
    public void A_DAG_parsed_after_the_write_is_parsed() =>
        Assert.That(DeploymentStates.Decide(Written, File, Dag(Written.AddSeconds(3)), [], false).State, Is.EqualTo("parsed"));

    [Test]
    public void A_DAG_parsed_before_the_write_waits_and_asks_for_a_reparse_once()
    {
        var first = DeploymentStates.Decide(Written, File, Dag(Written.AddMinutes(-5)), [], reparseRequested: false);
        var later = DeploymentStates.Decide(Written, File, Dag(Written.AddMinutes(-5)), [], reparseRequested: true);

        Assert.That((first.State, first.RequestReparse), Is.EqualTo(("written", true)));
        Assert.That(later.RequestReparse, Is.False);
    }

    [Test]
    public void An_import_error_naming_the_file_wins_with_Airflows_message()
    {
        var error = new AirflowImportError("/opt/airflow/dags/" + File, "SyntaxError: boom", Written.AddSeconds(2), null);
        var older = new AirflowImportError("/opt/airflow/dags/" + File, "old failure", Written.AddSeconds(-30), null);

        var observed = DeploymentStates.Decide(Written, File, null, [older, error], false);

        Assert.That((observed.State, observed.Message), Is.EqualTo(("import_error", "SyntaxError: boom")));
        Assert.That(DeploymentStates.Decide(Written, File, null, [older], false).State, Is.EqualTo("written"), "an error from before this write is history");
    }

    /// <summary>Airflow 2.10's stack trace for <see cref="File"/> as recorded (10-import-errors-list.json), on a server dags folder.</summary>
    private static string Trace210(string lastLine, string dagsFolder = "/opt/airflow/dags") =>
        "Traceback (most recent call last):\n  File \"<frozen importlib._bootstrap>\", line 241, in _call_with_frames_removed\n"
        + $"  File \"{dagsFolder}/{File}\", line 52, in <module>\n    t_extract.task_type = \"X\"\n{lastLine}\n";

    [Test]
    public void An_import_error_is_shown_as_its_last_line_and_the_line_of_the_DAG_file_without_server_paths()
    {
        var error = new AirflowImportError("/opt/airflow/dags/" + File, Trace210("AttributeError: property 'task_type' of 'ExtractStep' object has no setter"), Written.AddSeconds(2), null);

        var observed = DeploymentStates.Decide(Written, File, null, [error], false);

        Assert.That(observed.Message, Is.EqualTo("Line 52 of the DAG file: AttributeError: property 'task_type' of 'ExtractStep' object has no setter"));
    }

    [Test]
    public void Airflow_3s_bundle_relative_file_name_finds_the_line_too()
    {
        // 3.x names the file relative to the bundle; the trace is Python's, with wherever the bundle lives.
        var error = new AirflowImportError(File, Trace210("SyntaxError: invalid syntax", "/srv/bundles/dags-folder"), Written.AddSeconds(2), "dags-folder");
        var relativeTrace = Trace210("SyntaxError: invalid syntax", ".").Replace("./", "", StringComparison.Ordinal);

        Assert.That(DeploymentStates.Decide(Written, File, null, [error], false).Message, Is.EqualTo("Line 52 of the DAG file: SyntaxError: invalid syntax"));
        Assert.That(DeploymentStates.ImportErrorWords(relativeTrace, File), Is.EqualTo("Line 52 of the DAG file: SyntaxError: invalid syntax"));
    }

    [TestCase("FileNotFoundError: [Errno 2] No such file or directory: '/opt/airflow/dags/users/user_a/notes.md'", "FileNotFoundError: [Errno 2] No such file or directory: 'notes.md'")]
    [TestCase(@"OSError: cannot read C:\airflow\dags\users\user_a\wf_b.py", "OSError: cannot read wf_b.py")]
    [TestCase("ValueError: bad value in users/user_a/wf_b.py", "ValueError: bad value in wf_b.py")]
    [TestCase("ValueError: see https://airflow.apache.org/docs/x/y.html", "ValueError: see https://airflow.apache.org/docs/x/y.html")]
    public void No_server_path_survives_in_the_words(string lastLine, string words) =>
        Assert.That(DeploymentStates.ImportErrorWords("Traceback (most recent call last):\n  File \"/usr/lib/python3/x.py\", line 3, in f\n" + lastLine + "\n", File), Is.EqualTo(words));

    [Test]
    public void The_words_are_short_and_saying_them_again_changes_nothing()
    {
        var words = DeploymentStates.ImportErrorWords(Trace210("ValueError: " + new string('x', 5000)), File);

        Assert.That(words, Has.Length.EqualTo(DeploymentStates.MaxMessageLength).And.EndWith("…").And.StartWith("Line 52 of the DAG file: ValueError: xxx"));
        Assert.That(DeploymentStates.ImportErrorWords(words, File), Is.EqualTo(words));
    }

    [Test]
    public async Task A_deployment_recorded_with_Airflows_whole_traceback_is_shown_in_words()
    {
        var workflow = await DeployedWorkflow.CreateAsync();
        var file = (await workflow.LatestDeploymentAsync()).GetProperty("file").GetString()!;
        await using (var db = new Npgsql.NpgsqlConnection(ApiFixture.ConnectionString))
        {
            // As the follower stored import errors before it stored words.
            await Dapper.SqlMapper.ExecuteAsync(db, "UPDATE deployments SET state = 'import_error', message = @trace WHERE workflow_id = @id",
                new { id = workflow.Id, trace = Trace210("ModuleNotFoundError: No module named 'x'").Replace(File, file, StringComparison.Ordinal) });
        }

        var message = (await workflow.LatestDeploymentAsync()).GetProperty("message").GetString();
        var trigger = await workflow.User.Client.PostAsJsonAsync($"/workflows/{workflow.Id}/runs", new { });

        Assert.That(message, Is.EqualTo("Line 52 of the DAG file: ModuleNotFoundError: No module named 'x'"));
        Assert.That(await trigger.Content.ReadAsStringAsync(), Does.Contain(message).And.Not.Contain("Traceback").And.Not.Contain("/opt/airflow"),
            "a refused trigger names the error in the same words");
    }

    [Test]
    public async Task The_follower_marks_a_deployment_parsed_and_unpauses_it_when_deployed_as_active()
    {
        var workflow = await DeployedWorkflow.CreateAsync(active: true);

        await ApiFixture.Factory.FollowDeploymentsAsync();
        var deployment = await workflow.LatestDeploymentAsync();

        Assert.That(deployment.GetProperty("state").GetString(), Is.EqualTo("parsed"));
        Assert.That(AirflowStub.Sent("PATCH", $"/api/v1/dags/{workflow.DagId}").Select(b => b["is_paused"]!.GetValue<bool>()), Has.Member(false));
    }

    [Test]
    public async Task A_deployed_file_Python_cannot_import_becomes_an_import_error_never_parsed()
    {
        var workflow = await DeployedWorkflow.CreateAsync(active: true);

        // What an operator assigning one of BaseOperator's read-only properties did to every deployment once.
        var deployment = await workflow.FollowWithFileBrokenByAsync("t_extract.task_type = \"TestSource\"");

        Assert.That(deployment.GetProperty("state").GetString(), Is.EqualTo("import_error"));
        Assert.That(deployment.GetProperty("message").GetString(), Does.Match(@"^Line \d+ of the DAG file: AttributeError: property 'task_type' of 'WorkflowTaskOperator' object has no setter$"));
        Assert.That(AirflowStub.Sent("PATCH", $"/api/v1/dags/{workflow.DagId}"), Is.Empty, "a DAG Airflow refused is not unpaused");
    }
}
