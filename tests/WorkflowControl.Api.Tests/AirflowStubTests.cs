using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace WorkflowControl.Api.Tests;

/// <summary>The stub Airflow parses a DAG file only when it imports, and lists any other as Airflow 2.10 would.</summary>
public sealed class AirflowStubTests
{
    private static readonly HttpClient Airflow = new() { BaseAddress = new Uri(AirflowStub.Server.Url!) };

    [Test]
    public async Task A_deployed_file_that_imports_is_a_parsed_DAG_at_its_full_path()
    {
        var workflow = await DeployedWorkflow.CreateAsync();

        var dag = await Airflow.GetFromJsonAsync<JsonElement>($"/api/v1/dags/{workflow.DagId}");

        Assert.That(dag.GetProperty("fileloc").GetString(), Is.EqualTo(workflow.File).And.StartsWith(ApiFixture.DagsRoot + "/users/user_"));
        Assert.That(dag.GetProperty("has_import_errors").GetBoolean(), Is.False);
        Assert.That(dag.GetProperty("dag_display_name").GetString(), Is.EqualTo("Sales ETL"));
        Assert.That(dag.GetProperty("last_parsed_time").GetDateTimeOffset(), Is.Not.EqualTo(default(DateTimeOffset)));
        Assert.That(await ImportErrorOfAsync(dag.GetProperty("fileloc").GetString()!), Is.Null);
    }

    [TestCase("t.task_type = 'Other'\n", "AttributeError: property 'task_type' of 'BaseOperator' object has no setter", 4)]
    [TestCase("t = = 1\n", "SyntaxError: invalid syntax", 4)]
    public async Task A_file_Python_cannot_import_is_an_import_error_and_no_DAG(string brokenLine, string lastLine, int line)
    {
        var (dagId, path) = WriteDagFile(
            "from airflow.models.baseoperator import BaseOperator\nfrom airflow import DAG\nt = BaseOperator(task_id='a')\n" + brokenLine);

        var dag = await Airflow.GetAsync($"/api/v1/dags/{dagId}");
        var error = await ImportErrorOfAsync(path);

        Assert.That(dag.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "Airflow never parsed it");
        Assert.That(error, Is.Not.Null, "listed in importErrors under its full path");
        var trace = error!.Value.GetProperty("stack_trace").GetString()!;
        Assert.That(trace, Does.StartWith("Traceback (most recent call last):\n"));
        Assert.That(trace, Does.Contain($"File \"{path}\", line {line}"));
        Assert.That(trace, Does.EndWith(lastLine + "\n"));
    }

    [Test]
    public async Task A_parsed_DAG_whose_file_breaks_keeps_its_last_parse_and_has_import_errors_until_fixed()
    {
        const string good = "from airflow import DAG\nimport pendulum\nwith DAG(dag_id='x', schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz='UTC')):\n    pass\n";
        var (dagId, path) = WriteDagFile(good);
        var parsed = await Airflow.GetFromJsonAsync<JsonElement>($"/api/v1/dags/{dagId}");

        await File.WriteAllTextAsync(path, good + "import this_module_does_not_exist\n");
        var broken = await Airflow.GetFromJsonAsync<JsonElement>($"/api/v1/dags/{dagId}");
        var error = await ImportErrorOfAsync(path);
        await File.WriteAllTextAsync(path, good + "# fixed\n");
        var fixedAgain = await Airflow.GetFromJsonAsync<JsonElement>($"/api/v1/dags/{dagId}");

        Assert.That(broken.GetProperty("has_import_errors").GetBoolean(), Is.True);
        Assert.That(broken.GetProperty("last_parsed_time").GetString(), Is.EqualTo(parsed.GetProperty("last_parsed_time").GetString()));
        Assert.That(error!.Value.GetProperty("stack_trace").GetString(), Does.EndWith("ModuleNotFoundError: No module named 'this_module_does_not_exist'\n"));
        Assert.That(fixedAgain.GetProperty("has_import_errors").GetBoolean(), Is.False);
        Assert.That(await ImportErrorOfAsync(path), Is.Null);
    }

    private static (string DagId, string Path) WriteDagFile(string source)
    {
        var dagId = "wf_" + Guid.NewGuid().ToString().Replace('-', '_');
        var folder = Directory.CreateDirectory(Path.Combine(ApiFixture.DagsRoot, "users", "user_stub_tests")).FullName;
        var path = Path.Combine(folder, dagId + ".py");
        File.WriteAllText(path, source);
        return (dagId, path);
    }

    private static async Task<JsonElement?> ImportErrorOfAsync(string path)
    {
        var list = await Airflow.GetFromJsonAsync<JsonElement>("/api/v1/importErrors?limit=100000");
        return list.GetProperty("import_errors").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(e => e!.Value.GetProperty("filename").GetString() == path);
    }
}
