using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using WorkflowControl.Api.Features.Files;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Tests.Features.Files;

/// <summary>
/// Data in and results out: uploads into the owner's data folder (size limit, the task library's path rules), the
/// list and deletion of files, each step's results of a run, results removed with their workflow or when they are
/// old (on fake time), and 404 for what the caller may not see.
/// </summary>
public sealed class FileTests
{
    private const int MaxUploadBytes = 1024;

    private readonly string _sharedRoot = Path.Combine(Path.GetTempPath(), "wfc-files-" + Guid.NewGuid().ToString("N")[..8]);
    // Behind the real clock: sessions issued meanwhile are not "from the future" for the token validation.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow - TimeSpan.FromHours(1));
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start() => _api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
    {
        ["SharedData:Root"] = _sharedRoot,
        ["Files:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Files:ResultRetentionDays"] = "7",
        ["Files:RetentionInterval"] = "01:00:00",
    }, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)));

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _api.DisposeAsync();
        if (Directory.Exists(_sharedRoot))
        {
            Directory.Delete(_sharedRoot, recursive: true);
        }
    }

    [Test]
    public async Task An_uploaded_file_lands_in_the_owners_data_folder_is_listed_downloaded_and_deleted()
    {
        var user = await TestUser.SignUpAsync(_api);

        var uploaded = await UploadAsync(user.Client, "/files?path=sales/2024.csv", "region,amount\nnorth,10\n");
        Assert.That(uploaded.StatusCode, Is.EqualTo(HttpStatusCode.Created), await uploaded.Content.ReadAsStringAsync());
        var stored = File.ReadAllText(Path.Combine(_sharedRoot, user.Id.ToString(), "files", "sales", "2024.csv"));
        var list = await user.Client.GetFromJsonAsync<JsonElement>("/files");
        var download = await user.Client.GetStringAsync("/files/sales/2024.csv");
        var deleted = await user.Client.DeleteAsync("/files/sales/2024.csv");
        var after = await user.Client.GetFromJsonAsync<JsonElement>("/files");

        Assert.That(stored, Does.StartWith("region,amount"), "where the CSV step reads it (<root>/<owner>/files)");
        Assert.That(list.GetProperty("items").EnumerateArray().Select(f => $"{f.GetProperty("path")} {f.GetProperty("bytes")}"), Is.EqualTo(new[] { "sales/2024.csv 23" }));
        Assert.That(download, Is.EqualTo("region,amount\nnorth,10\n"));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(after.GetProperty("items").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task A_file_over_the_limit_is_refused_with_413_and_leaves_nothing()
    {
        var user = await TestUser.SignUpAsync(_api);

        var response = await UploadAsync(user.Client, "/files", new string('x', MaxUploadBytes + 1), "big.csv");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("Files may be at most 1 KiB; this one is larger."));
        Assert.That((await user.Client.GetFromJsonAsync<JsonElement>("/files")).GetProperty("items").GetArrayLength(), Is.Zero);
    }

    [TestCase("../../etc/passwd", "A path may not go up a folder with \"..\"; give a path inside your data folder, for example sales/2024.csv.")]
    [TestCase("/etc/x.csv", "Give a path inside your data folder, for example sales/2024.csv, not a path from the root of the disk.")]
    public async Task A_path_out_of_the_data_folder_is_refused_in_the_task_librarys_words(string path, string message)
    {
        var user = await TestUser.SignUpAsync(_api);

        var response = await UploadAsync(user.Client, "/files?path=" + Uri.EscapeDataString(path), "a,b\n");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo(message));
    }

    [Test]
    public async Task A_symbolic_link_in_the_data_folder_is_neither_followed_nor_written_through()
    {
        var user = await TestUser.SignUpAsync(_api);
        var outside = Directory.CreateTempSubdirectory("wfc-outside-").FullName;
        var files = Directory.CreateDirectory(Path.Combine(_sharedRoot, user.Id.ToString(), "files")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.csv"), "secret");
        Directory.CreateSymbolicLink(Path.Combine(files, "elsewhere"), outside);

        var read = await user.Client.GetAsync("/files/elsewhere/secret.csv");
        var written = await UploadAsync(user.Client, "/files?path=elsewhere/new.csv", "a\n");

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(written.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(File.Exists(Path.Combine(outside, "new.csv")), Is.False);
    }

    [Test]
    public async Task A_workflows_files_are_its_owners_for_editors_and_not_found_for_strangers()
    {
        var owner = await TestUser.SignUpAsync(_api, "Owner");
        var viewer = await TestUser.SignUpAsync(_api, "Viewer");
        var stranger = await TestUser.SignUpAsync(_api, "Stranger");
        var id = await owner.CreateWorkflowIdAsync();
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = viewer.Email, role = "view" });
        await UploadAsync(owner.Client, "/files?path=sales.csv", "a\n1\n");

        var viewerList = await viewer.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/files");
        var viewerUpload = await UploadAsync(viewer.Client, $"/workflows/{id}/files?path=more.csv", "a\n");
        var viewerDelete = await viewer.Client.DeleteAsync($"/workflows/{id}/files/sales.csv");
        var strangerStatuses = new[]
        {
            (await stranger.Client.GetAsync($"/workflows/{id}/files")).StatusCode,
            (await stranger.Client.GetAsync($"/workflows/{id}/files/sales.csv")).StatusCode,
            (await UploadAsync(stranger.Client, $"/workflows/{id}/files?path=x.csv", "a\n")).StatusCode,
            (await stranger.Client.DeleteAsync($"/workflows/{id}/files/sales.csv")).StatusCode,
            (await stranger.Client.GetAsync($"/workflows/{id}/runs/any/results")).StatusCode,
        };

        Assert.That(viewerList.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("path").GetString()), Is.EqualTo(new[] { "sales.csv" }));
        Assert.That(viewerUpload.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(viewerDelete.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(strangerStatuses, Is.All.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await stranger.Client.GetFromJsonAsync<JsonElement>("/files")).GetProperty("items").GetArrayLength(), Is.Zero, "/files is the caller's own folder");
    }

    [Test]
    public async Task An_API_token_keeps_to_its_scope_in_its_users_own_data_folder()
    {
        var user = await TestUser.SignUpAsync(_api);
        var id = await user.CreateWorkflowIdAsync();
        await UploadAsync(user.Client, "/files?path=sales.csv", "a\n1\n");
        using var viewToken = await TokenClientAsync(user, new { name = "read", maxRole = "view", expiresInDays = 1 });
        using var oneWorkflow = await TokenClientAsync(user, new { name = "one", maxRole = "edit", expiresInDays = 1, workflowIds = new[] { id } });

        var read = await viewToken.GetFromJsonAsync<JsonElement>("/files");
        var viewUpload = await UploadAsync(viewToken, "/files?path=more.csv", "a\n");
        var viewDelete = await viewToken.DeleteAsync("/files/sales.csv");
        var narrowList = await oneWorkflow.GetAsync("/files");
        var narrowThroughWorkflow = await oneWorkflow.GetFromJsonAsync<JsonElement>($"/workflows/{id}/files");

        Assert.That(read.GetProperty("items").GetArrayLength(), Is.EqualTo(1), "a view token reads the folder");
        Assert.That(viewUpload.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await viewDelete.Content.ReadAsStringAsync(), Does.Contain("needs 'edit'"));
        Assert.That(narrowList.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await narrowList.Content.ReadAsStringAsync(), Does.Contain("use /workflows/{id}/files"));
        Assert.That(narrowThroughWorkflow.GetProperty("items").GetArrayLength(), Is.EqualTo(1), "the workflow it names still reaches its files");
        Assert.That(File.Exists(Path.Combine(_sharedRoot, user.Id.ToString(), "files", "sales.csv")), "nothing was deleted");
    }

    private async Task<HttpClient> TokenClientAsync(TestUser user, object request)
    {
        var created = await user.Client.PostAsJsonAsync("/tokens", request);
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        return client;
    }

    [Test]
    public async Task A_runs_results_list_each_steps_rows_columns_and_files_and_download_them()
    {
        var (user, id) = await FusedWorkflowAsync();
        const string runId = "manual__2026-01-02T06:00:00+00:00";
        await RecordRunAsync(id, runId);
        var folder = RunFolder(user, id, runId);
        File.WriteAllBytes(Path.Combine(folder, "extract.wct"), new byte[40]);
        File.WriteAllText(Path.Combine(folder, "clean.png"), "png");
        File.WriteAllText(Path.Combine(folder, "clean.svg"), "<svg/>");
        var exported = Directory.CreateDirectory(Path.Combine(_sharedRoot, user.Id.ToString(), "files", "exports")).FullName;
        File.WriteAllText(Path.Combine(exported, "sales.csv"), "a\n1\n");
        WriteRecord(folder, "extract__to__clean", """
            {"steps": {"extract": {"state": "success", "rows": 3, "columns": 2, "seconds": 0.1, "error": null, "result": {"path": "x.wct", "rows": 3, "format": "wctable", "schema": [{"name": "region", "type": "string"}, {"name": "amount", "type": "integer"}]}},
                       "clean": {"state": "success", "rows": 3, "columns": null, "seconds": 0.2, "error": null,
                                 "result": {"path": "/opt/airflow/shared_data/OWNER/files/exports/sales.csv", "rows": 3, "format": "csv"}}}}
            """.Replace("OWNER", user.Id.ToString(), StringComparison.Ordinal));

        var results = await user.Client.GetFromJsonAsync<JsonElement>($"/workflows/{id}/runs/{Uri.EscapeDataString(runId)}/results");
        var chart = await user.Client.GetAsync($"/workflows/{id}/runs/{Uri.EscapeDataString(runId)}/results/clean.png");
        var outside = await user.Client.GetAsync($"/workflows/{id}/runs/{Uri.EscapeDataString(runId)}/results/..%2F..%2Ffiles%2Fexports%2Fsales.csv");

        Assert.That(results.GetProperty("steps").EnumerateArray().Select(Describe), Is.EqualTo(new[]
        {
            "extract success 3x2: extract.wct table 40 run",
            "clean success 3x: clean.png image 3 run, clean.svg image 6 run, exports/sales.csv data 4 files",
        }));
        Assert.That(results.GetProperty("steps")[0].GetProperty("columnNames").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "region", "amount" }),
            "offered in the column pickers of the next steps");
        Assert.That(chart.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(chart.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/png"));
        Assert.That(chart.Content.Headers.ContentDisposition?.DispositionType, Is.EqualTo("attachment"), "never rendered in the API's origin");
        Assert.That(outside.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Deleting_a_workflow_with_deleteResults_removes_its_run_folders_and_keeps_the_data_folder()
    {
        var (user, keptId) = await FusedWorkflowAsync();
        var id = await user.CreateWorkflowIdAsync();
        File.WriteAllText(Path.Combine(RunFolder(user, id, "run_1"), "extract.wct"), "x");
        File.WriteAllText(Path.Combine(RunFolder(user, keptId, "run_1"), "extract.wct"), "x");
        await UploadAsync(user.Client, "/files?path=sales.csv", "a\n");

        var kept = await user.Client.DeleteAsync($"/workflows/{keptId}");
        var deleted = await user.Client.DeleteAsync($"/workflows/{id}?deleteResults=true");

        Assert.That(kept.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Directory.Exists(Path.Combine(_sharedRoot, user.Id.ToString(), keptId.ToString())), Is.True, "results stay unless asked");
        Assert.That(Directory.Exists(Path.Combine(_sharedRoot, user.Id.ToString(), id.ToString())), Is.False);
        Assert.That(File.Exists(Path.Combine(_sharedRoot, user.Id.ToString(), "files", "sales.csv")), Is.True);
    }

    [Test]
    public async Task Run_results_older_than_the_retention_are_removed_at_the_next_check()
    {
        var (user, id) = await FusedWorkflowAsync();
        var old = RunFolder(user, id, "old_run");
        var recent = RunFolder(user, id, "recent_run");
        var state = Directory.CreateDirectory(Path.Combine(_sharedRoot, user.Id.ToString(), id.ToString(), "_state")).FullName;
        foreach (var (folder, age) in new[] { (old, TimeSpan.FromDays(8)), (recent, TimeSpan.FromDays(6)), (state, TimeSpan.FromDays(30)) })
        {
            var file = Path.Combine(folder, "extract.wct");
            File.WriteAllText(file, "x");
            File.SetLastWriteTimeUtc(file, (_time.GetUtcNow() - age).UtcDateTime);
            Directory.SetLastWriteTimeUtc(folder, (_time.GetUtcNow() - age).UtcDateTime);
        }

        var sweep = _api.Services.GetRequiredService<ResultRetention>().NextSweep;
        _time.Advance(TimeSpan.FromHours(1));
        await sweep.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(Directory.Exists(old), Is.False, "8 days old, kept for 7");
        Assert.That(Directory.Exists(recent), Is.True);
        Assert.That(Directory.Exists(state), Is.True, "a workflow's state is not a run's results");
    }

    [Test]
    public void A_results_age_is_counted_in_whole_retention_days_and_0_keeps_them() =>
        Assert.Multiple(() =>
        {
            var now = DateTimeOffset.UnixEpoch.AddDays(100);
            Assert.That(ResultRetention.IsExpired(now.AddDays(-7).AddSeconds(-1), now, 7), Is.True);
            Assert.That(ResultRetention.IsExpired(now.AddDays(-7), now, 7), Is.False);
            Assert.That(ResultRetention.IsExpired(now.AddDays(-3650), now, 0), Is.False);
        });

    private static string Describe(JsonElement step) =>
        $"{step.GetProperty("stepId")} {step.GetProperty("state")} {step.GetProperty("rows")}x{step.GetProperty("columns")}: " +
        string.Join(", ", step.GetProperty("files").EnumerateArray().Select(f => $"{f.GetProperty("name")} {f.GetProperty("kind")} {f.GetProperty("bytes")} {f.GetProperty("location")}"));

    private async Task<(TestUser User, Guid Id)> FusedWorkflowAsync()
    {
        var user = await TestUser.SignUpAsync(_api);
        var document = Documents.Simple();
        document["spec"]!["execution"] = "fused";
        return (user, await user.CreateWorkflowIdAsync(document));
    }

    private static async Task RecordRunAsync(Guid id, string runId)
    {
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        await db.ExecuteAsync("INSERT INTO runs (workflow_id, dag_run_id, version, params, state, created_at, updated_at) VALUES (@id, @runId, 1, '{}', 'success', now(), now())",
            new { id, runId });
    }

    private string RunFolder(TestUser user, Guid id, string runId) =>
        Directory.CreateDirectory(Path.Combine(_sharedRoot, user.Id.ToString(), id.ToString(), RunFolders.SafeRunId(runId))).FullName;

    private static void WriteRecord(string runFolder, string taskId, string json)
    {
        Directory.CreateDirectory(Path.Combine(runFolder, "_steps"));
        File.WriteAllText(Path.Combine(runFolder, "_steps", taskId + ".json"), json);
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, string url, string content, string fileName = "upload.csv")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        return client.PostAsync(url, form);
    }
}
