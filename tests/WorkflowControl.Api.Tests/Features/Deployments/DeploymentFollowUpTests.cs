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

    [Test]
    public async Task The_follower_marks_a_deployment_parsed_and_unpauses_it_when_deployed_as_active()
    {
        await using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Airflow:Deployments:Enabled"] = "true",
            ["Airflow:Deployments:PollInterval"] = "00:00:00.200",
        });
        var user = await TestUser.SignUpAsync(api);
        var id = await user.CreateWorkflowIdAsync();
        var dagId = "wf_" + id.ToString().Replace('-', '_');
        var dag = (JsonObject)AirflowStub.Recorded("05-get-dag.json", dagId, "unused");
        dag["last_parsed_time"] = DateTimeOffset.UtcNow.AddMinutes(5).ToString("O");
        AirflowStub.Json("GET", $"/api/v1/dags/{dagId}", 200, dag);
        AirflowStub.Json("PATCH", $"/api/v1/dags/{dagId}", 200, dag);
        AirflowStub.Json("GET", "/api/v1/importErrors", 200, new JsonObject { ["import_errors"] = new JsonArray(), ["total_entries"] = 0 });

        await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active = true });
        var state = "";
        for (var i = 0; i < 100 && state != "parsed"; i++)
        {
            await Task.Delay(100);
            state = (await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments"))[0].GetProperty("state").GetString()!;
        }

        Assert.That(state, Is.EqualTo("parsed"));
        Assert.That(AirflowStub.Sent("PATCH", $"/api/v1/dags/{dagId}").Select(b => b["is_paused"]!.GetValue<bool>()), Has.Member(false));
    }
}
