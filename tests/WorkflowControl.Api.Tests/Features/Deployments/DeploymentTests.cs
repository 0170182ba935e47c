using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Dags;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Features.Deployments;

public sealed class DeploymentTests
{
    [Test]
    public async Task Deploying_writes_a_DAG_file_in_the_owners_folder_that_Python_compiles()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();

        var deployment = await DeployAsync(user, id);
        var file = Path.Combine(ApiFixture.DagsRoot, deployment.GetProperty("file").GetString()!);

        Assert.That(deployment.GetProperty("state").GetString(), Is.EqualTo("written"));
        Assert.That(deployment.GetProperty("file").GetString(), Is.EqualTo($"users/user_{Underscored(user.Id)}/wf_{Underscored(id)}.py"));
        Assert.That(File.Exists(file), Is.True);
        Assert.That(await PyCompileAsync(file), Is.Empty, "the DAG file must compile");
        Assert.That(await File.ReadAllTextAsync(file), Does.Contain($"dag_id=\"wf_{Underscored(id)}\""));
    }

    [Test]
    public async Task A_new_deployment_supersedes_the_previous_one()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        await DeployAsync(user, id);
        await Workflows.WorkflowCrudTests.Put(user, id, Documents.Simple("Changed"), "\"1\"");

        await DeployAsync(user, id);
        var list = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments");

        Assert.That(list.EnumerateArray().Select(d => $"v{d.GetProperty("version").GetInt32()} {d.GetProperty("state").GetString()}"),
            Is.EqualTo(new[] { "v2 written", "v1 superseded" }));
    }

    [Test]
    public async Task Deploying_an_unchanged_version_leaves_the_file_untouched_and_says_so()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var first = await DeployAsync(user, id);
        var file = Path.Combine(ApiFixture.DagsRoot, first.GetProperty("file").GetString()!);
        var written = File.GetLastWriteTimeUtc(file);

        var second = await DeployAsync(user, id);

        Assert.That(File.GetLastWriteTimeUtc(file), Is.EqualTo(written));
        Assert.That(second.GetProperty("message").GetString(), Does.Contain("left untouched"));
    }

    [Test]
    public async Task Dry_run_returns_the_file_without_writing_it()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync(Documents.Simple("Dry run"));

        var rendered = await (await user.Client.PostAsJsonAsync($"/workflows/{id}/render", new { })).Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(rendered.GetProperty("content").GetString(), Does.Contain("dag_display_name=\"Dry run\""));
        Assert.That(File.Exists(Path.Combine(ApiFixture.DagsRoot, rendered.GetProperty("path").GetString()!)), Is.False);
    }

    [Test]
    public async Task Viewers_cannot_deploy_and_strangers_do_not_see_the_workflow()
    {
        var owner = await TestUser.SignUpAsync();
        var id = await owner.CreateWorkflowIdAsync();
        var viewer = await TestUser.SignUpAsync();
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = viewer.Email, role = "view" });
        var stranger = await TestUser.SignUpAsync();

        Assert.That((await viewer.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { })).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await stranger.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { })).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await stranger.Client.PostAsJsonAsync($"/workflows/{id}/render", new { })).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Deleting_a_workflow_removes_its_DAG_file_and_the_DAG_in_Airflow()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var file = Path.Combine(ApiFixture.DagsRoot, (await DeployAsync(user, id)).GetProperty("file").GetString()!);

        var dagPath = "/api/v1/dags/wf_" + id.ToString().Replace('-', '_');
        AirflowStub.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath(dagPath).UsingDelete())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(204));

        var deleted = await user.Client.DeleteAsync($"/workflows/{id}");

        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(File.Exists(file), Is.False);
        Assert.That(AirflowStub.Server.LogEntries.Count(e => e.RequestMessage?.Path == dagPath && e.RequestMessage.Method == "DELETE"), Is.EqualTo(1),
            "the DAG's history is deleted in Airflow too");
    }

    [Test]
    public async Task Re_rendering_the_fleet_rewrites_only_files_that_differ_and_counts_them()
    {
        var user = await TestUser.SignUpAsync();
        var drifted = await user.CreateWorkflowIdAsync(Documents.Simple("Drifted"));
        var intact = await user.CreateWorkflowIdAsync(Documents.Simple("Intact"));
        var driftedFile = Path.Combine(ApiFixture.DagsRoot, (await DeployAsync(user, drifted)).GetProperty("file").GetString()!);
        await DeployAsync(user, intact);
        // As if the template had changed since this file was written.
        await File.WriteAllTextAsync(driftedFile, "# written by an older template\n");

        var services = ApiFixture.Factory.Services;
        var result = await RerenderDeployed.RunAsync(services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<FleetRerender>(), CancellationToken.None);

        Assert.That(result.Failed, Is.Zero);
        Assert.That(result.Changed, Is.EqualTo(1), "only the drifted file differs from what the template renders");
        Assert.That(result.Total, Is.GreaterThanOrEqualTo(2));
        Assert.That(await File.ReadAllTextAsync(driftedFile), Does.Contain("Drifted"));
    }

    [Test]
    public async Task A_link_planted_in_place_of_the_users_folder_fails_the_deploy_with_a_clear_message_and_an_audit_entry()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        var outside = Directory.CreateTempSubdirectory("wfc-outside-");
        var userFolder = Path.Combine(ApiFixture.DagsRoot, "users", $"user_{Underscored(user.Id)}");
        Directory.CreateDirectory(Path.GetDirectoryName(userFolder)!);
        Directory.CreateSymbolicLink(userFolder, outside.FullName);
        try
        {
            var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
            var audited = await Dapper.SqlMapper.ExecuteScalarAsync<string?>(db,
                "SELECT details->>'link' FROM audit_log WHERE workflow_id = @id AND action = 'workflow.deploy_refused'", new { id });

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("symbolic link").And.Contain($"users/user_{Underscored(user.Id)}"));
            Assert.That(outside.GetFileSystemInfos(), Is.Empty, "nothing was written outside the dags root");
            Assert.That(audited, Is.EqualTo($"users/user_{Underscored(user.Id)}"));
            var deployments = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments");
            Assert.That(deployments.GetArrayLength(), Is.Zero, "no deployment is recorded");
        }
        finally
        {
            File.Delete(userFolder);
            outside.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Deploying_over_active_runs_is_refused_naming_them_unless_forced()
    {
        var user = await TestUser.SignUpAsync();
        var id = await user.CreateWorkflowIdAsync();
        await DeployAsync(user, id);
        await AddRunAsync(user, id, "wfc_finished", "success");
        await AddRunAsync(user, id, "wfc_busy", "running");
        await AddRunAsync(user, id, "wfc_waiting", "queued");

        var refused = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var deploymentsAfterRefusal = (await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/deployments")).GetArrayLength();
        var forced = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments?force=true", new { });

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("wfc_busy (running)").And.Contain("wfc_waiting (queued)").And.Not.Contain("wfc_finished"));
        Assert.That(problem.GetProperty("activeRuns").EnumerateArray().Select(r => r.GetProperty("runId").GetString()), Is.EqualTo(new[] { "wfc_busy", "wfc_waiting" }));
        Assert.That(deploymentsAfterRefusal, Is.EqualTo(1), "nothing was deployed");
        Assert.That(forced.StatusCode, Is.EqualTo(HttpStatusCode.Created), await forced.Content.ReadAsStringAsync());
    }

    internal static async Task AddRunAsync(TestUser user, Guid id, string runId, string state)
    {
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        await db.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO runs (workflow_id, dag_run_id, version, params, state, triggered_by, created_at, updated_at)
            VALUES (@id, @runId, 1, '{}', @state, @user, now(), now())
            """, db);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("runId", runId);
        insert.Parameters.AddWithValue("state", state);
        insert.Parameters.AddWithValue("user", user.Id);
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task<JsonElement> DeployAsync(TestUser user, Guid id)
    {
        var response = await user.Client.PostAsJsonAsync($"/workflows/{id}/deployments", new { });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Underscored(Guid id) => id.ToString().Replace('-', '_');

    private static async Task<string> PyCompileAsync(string file)
    {
        var info = new ProcessStartInfo(Python.Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-m", "py_compile", file })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return errors;
    }
}
