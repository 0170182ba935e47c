using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Api.Tests;

/// <summary>A workflow deployed through the API, whose DAG file the stub Airflow imports (<see cref="AirflowStub.DagFiles"/>).</summary>
public sealed record DeployedWorkflow(TestUser User, Guid Id, string DagId)
{
    /// <summary>The written DAG file, as Airflow lists it.</summary>
    public string File => AirflowStub.DagFiles.FileOf(DagId) ?? throw new InvalidOperationException("no DAG file for " + DagId);

    /// <summary>Creates and deploys a workflow; the deployment stays 'written' until the follower runs.</summary>
    public static async Task<DeployedWorkflow> CreateAsync(JsonNode? document = null, bool active = false)
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(document);
        var deployed = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { active });
        Assert.That(deployed.StatusCode, Is.EqualTo(HttpStatusCode.Created), await deployed.Content.ReadAsStringAsync());
        return new DeployedWorkflow(user, id, "wf_" + id.ToString().Replace('-', '_'));
    }

    public async Task<JsonElement> LatestDeploymentAsync() =>
        (await User.Client.GetFromJsonAsync<JsonElement>($"/workflows/{Id}/deployments"))[0];

    /// <summary>
    /// Airflow finds <paramref name="python"/> appended to the written file (a hand edit on the server, say) and the
    /// follower records what it made of that; then the rendered file is put back, as other tests count drifted files.
    /// </summary>
    public async Task<JsonElement> FollowWithFileBrokenByAsync(string python)
    {
        var rendered = await System.IO.File.ReadAllTextAsync(File);
        try
        {
            await System.IO.File.AppendAllTextAsync(File, "\n" + python + "\n");
            await ApiFixture.Factory.FollowDeploymentsAsync();
            return await LatestDeploymentAsync();
        }
        finally
        {
            await System.IO.File.WriteAllTextAsync(File, rendered);
        }
    }
}
