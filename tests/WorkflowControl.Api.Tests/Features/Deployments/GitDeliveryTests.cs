using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Dags;
using WireMock.Server;

namespace WorkflowControl.Api.Tests.Features.Deployments;

/// <summary>Dags:Delivery = GitBundle through the API: deployments and deletions become commits by their user.</summary>
public sealed class GitDeliveryTests
{
    private static ApiFactory Api(WireMockServer airflow, string root, string apiVersion = "Auto") =>
        new(ApiFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Dags:Delivery"] = "GitBundle",
            ["Dags:Root"] = root,
            ["Airflow:BaseUrl"] = airflow.Url,
            ["Airflow:ApiVersion"] = apiVersion,
        });

    private static WireMockServer Airflow(string version)
    {
        var server = WireMockServer.Start();
        if (version.StartsWith('3'))
        {
            server.Json("GET", "/api/v2/version", 200, new JsonObject { ["version"] = version, ["git_version"] = null });
        }
        else
        {
            server.Json("GET", "/api/v2/version", 404, new JsonObject { ["detail"] = "Not Found" });
            server.Json("GET", "/api/v1/version", 200, new JsonObject { ["version"] = version, ["git_version"] = null });
        }

        return server;
    }

    private static string Git(string root, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, WorkingDirectory = root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Trim();
    }

    [Test]
    public async Task A_deployment_records_the_commit_authored_by_the_deploying_user_and_a_deletion_commits_the_removal()
    {
        var root = Directory.CreateTempSubdirectory("wfc-git-api-").FullName;
        using var airflow = Airflow("3.1.0");
        await using var api = Api(airflow, root);
        var user = await TestUser.SignUpAsync(api, "Grace");
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("Quarterly sales"));

        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var deployment = await response.Content.ReadFromJsonAsync<JsonElement>();
        var commit = deployment.GetProperty("commit").GetString();

        Assert.That(commit, Is.EqualTo(Git(root, "rev-parse", "HEAD")), "the deployment names the commit Airflow will run");
        Assert.That(Git(root, "log", "-1", "--format=%an <%ae>", commit!), Is.EqualTo($"Grace <{user.Email}>"));
        var message = Git(root, "log", "-1", "--format=%B", commit!);
        Assert.That(message, Does.StartWith("Deploy Quarterly sales version 1"));
        Assert.That(message, Does.Contain($"Deployed by: Grace ({user.Id})"));
        var listed = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments");
        Assert.That(listed[0].GetProperty("commit").GetString(), Is.EqualTo(commit));

        Assert.That((await user.Client.DeleteAsync($"/workflows/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Git(root, "log", "-1", "--format=%s"), Is.EqualTo("Delete Quarterly sales"));
        Assert.That(Git(root, "ls-files"), Is.Empty);
        Directory.Delete(root, recursive: true);
    }

    [Test]
    public async Task A_re_render_that_changes_a_file_records_its_new_commit_on_the_deployment()
    {
        var root = Directory.CreateTempSubdirectory("wfc-git-rerender-").FullName;
        using var airflow = Airflow("3.1.0");
        await using var api = Api(airflow, root);
        var user = await TestUser.SignUpAsync(api, "Grace");
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("Quarterly sales"));
        var deployed = await (await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { })).Content.ReadFromJsonAsync<JsonElement>();
        var file = Path.Combine(root, Git(root, "ls-files"));
        // As if the template had changed since this file was committed. (The re-render covers every deployment in the
        // shared test database, so other workflows may commit after this one.)
        File.WriteAllText(file, "# written by an older template\n");
        Git(root, "commit", "-qam", "an older template");

        var result = await RerenderDeployed.RunAsync(api.Services.GetRequiredService<NpgsqlDataSource>(), api.Services.GetRequiredService<FleetRerender>(), CancellationToken.None);
        var listed = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments");

        Assert.That(result.Rewrites.Select(r => r.WorkflowId), Does.Contain(id));
        Assert.That(listed[0].GetProperty("commit").GetString(), Is.EqualTo(Git(root, "log", "-1", "--format=%H", "--", file)).And.Not.EqualTo(deployed.GetProperty("commit").GetString()),
            "runs started from now on run the re-rendered commit, and the deployment says so");
        Assert.That(File.ReadAllText(file), Does.Contain("Quarterly sales"));
        Directory.Delete(root, recursive: true);
    }

    [Test]
    public async Task With_Airflow_2_a_deployment_is_refused_and_nothing_is_committed()
    {
        var root = Directory.CreateTempSubdirectory("wfc-git-api-").FullName;
        using var airflow = Airflow("2.10.4");
        await using var api = Api(airflow, root);
        var user = await TestUser.SignUpAsync(api);
        var id = await user.CreateWorkflowIdAsync();

        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("needs Airflow 3").And.Contain("2.10.4").And.Contain("Dags:Delivery=Folder"));
        Assert.That(Directory.EnumerateFileSystemEntries(root), Is.Empty);
        Directory.Delete(root, recursive: true);
    }

    [Test]
    public void With_Airflow_2_configured_the_API_does_not_start()
    {
        var root = Path.Combine(Path.GetTempPath(), "wfc-git-never-" + Guid.NewGuid().ToString("N"));
        using var airflow = WireMockServer.Start();
        using var api = Api(airflow, root, apiVersion: "V1");

        var error = Assert.Throws<OptionsValidationException>(() => api.CreateClient());
        Assert.That(error!.Message, Does.Contain("Dags:Delivery=GitBundle needs Airflow 3"));
    }
}
