using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowControl.Core.Catalog;
using Microsoft.Extensions.DependencyInjection;
using WorkflowControl.Api.Tests.Infrastructure;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Features.Preview;

/// <summary>Data preview through the real task library (Debian's Python), reading a CSV file in the owner's data folder.</summary>
[NonParallelizable]
public sealed class PreviewTests
{
    private static readonly string SharedRoot = Path.Combine(Path.GetTempPath(), "wfc-shared-" + Guid.NewGuid().ToString("N")[..8]);
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void StartApi()
    {
        _api = new ApiFactory(ApiFixture.ConnectionString, Settings(), EmbeddedTaskCatalog.Instance);
        _ = _api.Server;
    }

    [OneTimeTearDown]
    public async Task StopApi()
    {
        await _api.DisposeAsync();
        if (Directory.Exists(SharedRoot))
        {
            Directory.Delete(SharedRoot, recursive: true);
        }
    }

    [Test]
    public async Task Preview_of_a_csv_source_returns_its_rows_and_typed_columns()
    {
        var (owner, id) = await SalesWorkflowAsync();

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { limit = 2 });

        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("rows").GetRawText(), Is.EqualTo("""[{"region":"north","amount":5,"day":"2024-05-01"},{"region":"south","amount":12,"day":"2024-05-02"}]"""));
        Assert.That(Columns(body), Is.EqualTo(new[] { "region:string", "amount:integer", "day:string" }));
    }

    [Test]
    public async Task Preview_of_a_downstream_task_runs_it_on_its_upstream_sample_without_a_body()
    {
        var (owner, id) = await SalesWorkflowAsync();

        var response = await owner.Client.PostAsync($"/workflows/{id}/tasks/big/preview", null);

        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        var rows = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows");
        Assert.That(rows.EnumerateArray().Select(r => r.GetProperty("amount").GetInt32()), Is.EqualTo(new[] { 12, 30 }));
    }

    [Test]
    public async Task Missing_file_is_explained_in_words_naming_the_task_and_field()
    {
        var (owner, id) = await SalesWorkflowAsync(source: "missing.csv");

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(422));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("field 'source'").And.Contain("file 'missing.csv' was not found in your data folder"));
        Assert.That(problem.GetProperty("field").GetString(), Is.EqualTo("source"));
    }

    [Test]
    public async Task A_task_that_writes_data_has_no_preview()
    {
        var (owner, id) = await SalesWorkflowAsync();

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/save/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(422));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("have no data preview"));
    }

    [Test]
    public async Task Preview_needs_the_execute_role_and_hides_workflows_the_caller_cannot_see()
    {
        var (owner, id) = await SalesWorkflowAsync();
        var viewer = await TestUser.SignUpAsync(_api, "viewer");
        var runner = await TestUser.SignUpAsync(_api, "runner");
        var stranger = await TestUser.SignUpAsync(_api, "stranger");
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = viewer.Email, role = "view" });
        await owner.Client.PostAsJsonAsync($"/workflows/{id}/collaborators", new { email = runner.Email, role = "execute" });

        var asViewer = await viewer.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });
        var asRunner = await runner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { limit = 1 });
        var asStranger = await stranger.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });
        var unknownTask = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/nope/preview", new { });

        Assert.That((int)asViewer.StatusCode, Is.EqualTo(403));
        Assert.That((int)asRunner.StatusCode, Is.EqualTo(200), "execute is enough; the owner's files are read");
        Assert.That((int)asStranger.StatusCode, Is.EqualTo(404));
        Assert.That((int)unknownTask.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task Limit_outside_1_to_500_is_refused()
    {
        var (owner, id) = await SalesWorkflowAsync();

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { limit = 501 });

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_preview_that_does_not_finish_in_time_is_stopped_with_504()
    {
        var hanging = Path.Combine(SharedRoot, "hanging-python.sh");
        Directory.CreateDirectory(SharedRoot);
        await File.WriteAllTextAsync(hanging, "#!/bin/sh\nexec sleep 30\n");
        File.SetUnixFileMode(hanging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var api = new ApiFactory(ApiFixture.ConnectionString,
            new Dictionary<string, string?>(Settings()) { ["Preview:Python"] = hanging, ["Preview:Timeout"] = "00:00:01" }, EmbeddedTaskCatalog.Instance);
        var (owner, id) = await SalesWorkflowAsync(api: api);

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(504), "the 30 s process was stopped, not waited for");
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("stopped after 1 seconds"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_crashing_preview_logs_the_kind_of_error_never_what_python_printed()
    {
        const string inConfig = "config-secret-7f3a", inFile = "file-secret-91bc";
        var secrets = Directory.CreateDirectory(Path.Combine(SharedRoot, "secrets", Guid.NewGuid().ToString()));
        await File.WriteAllTextAsync(Path.Combine(secrets.FullName, "warehouse"), inFile);
        // Stands in for a Python that dies with a traceback quoting everything it was given.
        var crashing = await FakePythonAsync("crashing", "cat >&2\necho >&2\ncat \"$WORKFLOWCONTROL_SECRETS_DIR\"/*/* >&2\necho >&2\necho 'ValueError: could not use it' >&2\nexit 1");
        var logs = new CapturingLoggerProvider();
        await using var api = new ApiFactory(ApiFixture.ConnectionString,
            new Dictionary<string, string?>(Settings()) { ["Preview:Python"] = crashing, ["Preview:SecretsRoot"] = secrets.Parent!.FullName },
            EmbeddedTaskCatalog.Instance, services: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        var (owner, id) = await SalesWorkflowAsync(source: inConfig + ".csv", api: api);

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(500).Or.EqualTo(502), await response.Content.ReadAsStringAsync());
        var lines = logs.Entries.Select(e => e.Text).ToList();
        Assert.That(lines.Where(l => l.Contains("Preview process exited", StringComparison.Ordinal)), Has.Some.Contains("ValueError"), "the operator learns what kind of failure it was");
        Assert.That(lines.Where(l => l.Contains(inConfig, StringComparison.Ordinal) || l.Contains(inFile, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_preview_whose_python_lacks_a_module_answers_503_naming_it()
    {
        var missing = await FakePythonAsync("no-pandas", "cat >/dev/null\necho 'Traceback (most recent call last):' >&2\necho \"ModuleNotFoundError: No module named 'pandas'\" >&2\nexit 1");
        await using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>(Settings()) { ["Preview:Python"] = missing }, EmbeddedTaskCatalog.Instance);
        var (owner, id) = await SalesWorkflowAsync(api: api);

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(503));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("lacks the module 'pandas'"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Previews_get_the_same_allow_list_as_airflows_workers()
    {
        var echoing = await FakePythonAsync("echo-allow-list",
            "cat >/dev/null\nprintf '{\"rows\": [{\"allowed\": \"%s\"}], \"schema\": [{\"name\": \"allowed\", \"type\": \"string\"}]}' \"$WORKFLOWCONTROL_ALLOWED_HOSTS\"");
        await using var api = new ApiFactory(ApiFixture.ConnectionString,
            new Dictionary<string, string?>(Settings()) { ["Preview:Python"] = echoing, ["Preview:AllowedHosts"] = "warehouse.internal,10.1.0.0/16" }, EmbeddedTaskCatalog.Instance);
        var (owner, id) = await SalesWorkflowAsync(api: api);

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows")[0].GetProperty("allowed").GetString(), Is.EqualTo("warehouse.internal,10.1.0.0/16"));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<string> FakePythonAsync(string name, string body)
    {
        Directory.CreateDirectory(SharedRoot);
        var path = Path.Combine(SharedRoot, name + ".sh");
        await File.WriteAllTextAsync(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Test]
    public async Task Without_a_shared_data_folder_preview_says_it_is_not_available()
    {
        await using var api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["Preview:Python"] = Python.Executable }, EmbeddedTaskCatalog.Instance);
        var (owner, id) = await SalesWorkflowAsync(api: api);

        var response = await owner.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });

        Assert.That((int)response.StatusCode, Is.EqualTo(503));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("shared data folder is not configured"));
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Preview:SharedDataRoot"] = SharedRoot,
        ["Preview:Python"] = Python.Executable,
        ["Preview:Timeout"] = "00:01:00",
    };

    private static IEnumerable<string> Columns(JsonElement body) =>
        body.GetProperty("schema").EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()}:{c.GetProperty("type").GetString()}");

    /// <summary>extract (CSV in the owner's files) -> big (amount >= 10) -> save (a file export, which has no preview).</summary>
    private async Task<(TestUser Owner, Guid Id)> SalesWorkflowAsync(string source = "sales.csv", ApiFactory? api = null)
    {
        var owner = await TestUser.SignUpAsync(api ?? _api, "owner");
        var files = Directory.CreateDirectory(Path.Combine(SharedRoot, owner.Id.ToString(), "files"));
        await File.WriteAllTextAsync(Path.Combine(files.FullName, "sales.csv"), "region,amount,day\nnorth,5,2024-05-01\nsouth,12,2024-05-02\nnorth,30,2024-05-03\n");
        var document = Documents.Simple();
        document["spec"]!["tasks"] = new JsonArray(
            Documents.Task("extract", "extract.csv", new JsonObject { ["source"] = source }),
            Documents.Task("big", "transform.filter", new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["column"] = "amount", ["operator"] = "ge", ["value"] = 10 }),
            }, "extract"),
            Documents.Task("save", "load.file", new JsonObject { ["path"] = "out/big.csv" }, "big"));
        return (owner, await owner.CreateWorkflowIdAsync(document));
    }
}
