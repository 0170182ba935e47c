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
        Assert.That(deployment.GetProperty("message").GetString(), Does.Contain("AttributeError: property 'task_type' of 'WorkflowTaskOperator' object has no setter"));
        Assert.That(AirflowStub.Sent("PATCH", $"/api/v1/dags/{workflow.DagId}"), Is.Empty, "a DAG Airflow refused is not unpaused");
    }
}
