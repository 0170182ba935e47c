using Npgsql;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests.Running;

/// <summary>
/// Workflows run end to end through their generated DAG files, task after task, inside the strict Airflow double of
/// each generation, on real files, a real PostgreSQL and a real SMTP server. Each defect found by running generated
/// DAGs in a real Airflow 2.10 has its case here.
/// </summary>
[TestFixtureSource(typeof(StrictAirflow), nameof(StrictAirflow.Generations))]
public sealed class GeneratedDagRunTests(string generation)
{
    private DagRunSandbox _sandbox = null!;

    [SetUp]
    public void NewSandbox() => _sandbox = new DagRunSandbox();

    [TearDown]
    public void RemoveSandbox() => _sandbox.Dispose();

    [Test]
    public void Csv_filter_export_runs_end_to_end_through_the_generated_file()
    {
        _sandbox.WriteFile("orders.csv", "id,region,amount\n1,eu,10.5\n2,us,3\n3,eu,7\n4,eu,1\n");
        var run = _sandbox.Run(generation, """
            {
              "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow", "metadata": { "name": "EU orders" },
              "spec": {
                "schedule": null,
                "params": { "minimum": { "type": "number", "default": 5 } },
                "tasks": [
                  { "id": "orders", "type": "extract.csv", "config": { "source": "orders.csv" } },
                  { "id": "eu_only", "type": "transform.filter", "dependsOn": ["orders"], "config": { "conditions": [
                    { "column": "region", "operator": "eq", "value": "eu" },
                    { "column": "amount", "operator": "ge", "value": "{{ params.minimum }}" } ] } },
                  { "id": "export", "type": "load.file", "dependsOn": ["eu_only"], "config": { "path": "out/eu_{{ ds }}.csv", "format": "csv" } }
                ]
              }
            }
            """, conf: new { minimum = 7 });

        DagRunSandbox.AssertSucceeded(run);
        Assert.That(run.RunTasks.Select(t => t.GetProperty("task_id").GetString()), Is.EqualTo(new[] { "orders", "eu_only", "export" }));
        Assert.That(run.RunTasks[1].GetProperty("result").GetProperty("rows").GetInt32(), Is.EqualTo(2), "rows handed over through XCom");
        Assert.That(_sandbox.ReadFile("out/eu_2024-05-01.csv"), Is.EqualTo("id,region,amount\n1,eu,10.5\n3,eu,7.0\n"));
    }

    [Test]
    public void A_failing_step_fails_its_task_with_the_one_line_explanation_first_and_skips_what_follows()
    {
        var run = _sandbox.Run(generation, GoldenCases.Json("001-minimal-manual"));

        var failed = run.RunTasks[0];
        Assert.That(failed.GetProperty("state").GetString(), Is.EqualTo("failed"));
        var log = failed.GetProperty("log").GetString()!;
        var firstError = log.Split('\n').First(l => l.StartsWith("ERROR", StringComparison.Ordinal) || l.StartsWith("Traceback", StringComparison.Ordinal));
        Assert.That(firstError, Does.StartWith("ERROR - Step failed: task read_orders (extract.csv), field 'source': file 'orders.csv' was not found"), log);
        Assert.That(log.IndexOf("Traceback", StringComparison.Ordinal), Is.GreaterThan(log.IndexOf("Step failed", StringComparison.Ordinal)), "the traceback only below");
        Assert.That(run.RunTasks[1].GetProperty("state").GetString(), Is.EqualTo("upstream_failed"));
    }

    [Test]
    public void A_parameter_without_a_default_may_be_left_out_when_the_run_starts()
    {
        _sandbox.WriteFile("orders.csv", "id\n1\n");
        var run = _sandbox.Run(generation, """
            {
              "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow", "metadata": { "name": "Optional label" },
              "spec": {
                "schedule": "0 6 * * *",
                "params": { "label": { "type": "string", "description": "no default" } },
                "tasks": [
                  { "id": "orders", "type": "extract.csv", "config": { "source": "orders.csv" } },
                  { "id": "export", "type": "load.file", "dependsOn": ["orders"], "config": { "path": "out/orders{{ params.label }}.csv", "format": "csv" } }
                ]
              }
            }
            """);

        DagRunSandbox.AssertSucceeded(run);
        Assert.That(_sandbox.ReadFile("out/orders.csv"), Is.EqualTo("id\n1\n"), "an absent value renders as nothing, not as 'None'");
    }

    [Test]
    public async Task Integer_columns_with_missing_values_pass_through_all_three_postgres_loads()
    {
        var database = await RunPostgres.CreateDatabaseAsync("loads_" + Guid.NewGuid().ToString("N")[..8]);
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                "CREATE TABLE source (id bigint, qty integer, score smallint, ok boolean); " +
                "INSERT INTO source VALUES (1, 10, 3, true), (2, NULL, 4, NULL), (3, 30, NULL, false)", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(database);
        _sandbox.Secret("warehouse", $"postgresql://{builder.Username}@127.0.0.1:{builder.Port}/{builder.Database}");
        var run = _sandbox.Run(generation, """
            {
              "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow", "metadata": { "name": "Loads" },
              "spec": {
                "schedule": null,
                "tasks": [
                  { "id": "rows", "type": "extract.database", "config": { "connection_secret": "warehouse", "query": "SELECT id, qty, score, ok FROM source ORDER BY id" } },
                  { "id": "to_table", "type": "load.postgres", "dependsOn": ["rows"], "config": { "connection_secret": "warehouse", "table": "copy_whole", "mode": "create", "keys": ["id"] } },
                  { "id": "in_batches", "type": "load.batch", "dependsOn": ["rows"], "config": { "connection_secret": "warehouse", "table": "copy_batched", "batch_size": 2 } },
                  { "id": "new_rows", "type": "load.incremental", "dependsOn": ["rows"], "config": { "connection_secret": "warehouse", "table": "copy_new", "watermark_column": "id", "keys": ["id"] } }
                ]
              }
            }
            """);

        DagRunSandbox.AssertSucceeded(run);
        await using var check = new NpgsqlConnection(database);
        await check.OpenAsync();
        foreach (var table in new[] { "copy_whole", "copy_batched", "copy_new" })
        {
            await using var read = new NpgsqlCommand($"SELECT coalesce(string_agg(concat_ws('|', id, coalesce(qty::text, '-'), coalesce(score::text, '-'), coalesce(ok::text, '-')), ';' ORDER BY id), '') FROM {table}", check);
            Assert.That(await read.ExecuteScalarAsync(), Is.EqualTo("1|10|3|true;2|-|4|-;3|30|-|false"), table);
        }
    }

    [Test]
    public void Cohorts_after_harmonize_keep_harmonizes_source_column()
    {
        _sandbox.WriteFile("site_a.csv", "pid,age\na1,40\na2,12\n");
        _sandbox.WriteFile("site_b.csv", "patient_id,age\nb1,70\n");
        var run = _sandbox.Run(generation, """
            {
              "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow", "metadata": { "name": "Cohorts" },
              "spec": {
                "schedule": null,
                "tasks": [
                  { "id": "site_a", "type": "extract.csv", "config": { "source": "site_a.csv" } },
                  { "id": "site_b", "type": "extract.csv", "config": { "source": "site_b.csv" } },
                  { "id": "harmonized", "type": "transform.harmonize", "dependsOn": ["site_a", "site_b"], "config": {
                    "target_columns": [ { "name": "patient", "type": "string" }, { "name": "age", "type": "integer" } ],
                    "sources": [ { "cohort": "site_a", "columns": { "patient": "pid", "age": "age" } },
                                 { "cohort": "site_b", "columns": { "patient": "patient_id", "age": "age" } } ] } },
                  { "id": "grouped", "type": "utility.cohort", "dependsOn": ["harmonized"], "config": {
                    "cohorts": [ { "name": "adults", "conditions": [ { "column": "age", "operator": "ge", "value": 18 } ] } ],
                    "otherwise": "minors" } },
                  { "id": "export", "type": "load.file", "dependsOn": ["grouped"], "config": { "path": "cohorts.csv", "format": "csv" } }
                ]
              }
            }
            """);

        DagRunSandbox.AssertSucceeded(run);
        var lines = _sandbox.ReadFile("cohorts.csv").TrimEnd('\n').Split('\n').Select(l => l.Split(',')).ToList();
        var columns = Enumerable.Range(0, lines[0].Length).ToDictionary(i => lines[0][i], i => lines.Skip(1).Select(r => r[i]).ToList());
        Assert.That(columns.Values, Has.Some.EqualTo(new[] { "site_a", "site_a", "site_b" }), "harmonize's source column survives: " + string.Join(",", lines[0]));
        Assert.That(columns.Values, Has.Some.EqualTo(new[] { "adults", "minors", "adults" }), "the cohort labels have their own column");
    }

    [Test]
    public void The_notification_email_names_results_without_server_paths_or_none()
    {
        _sandbox.WriteFile("orders.csv", "id\n1\n2\n");
        using var smtp = SmtpSink.Start();
        _sandbox.Secret("mail", $"smtp://127.0.0.1:{smtp.Port}");
        var run = _sandbox.Run(generation, """
            {
              "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow", "metadata": { "name": "Mail" },
              "spec": {
                "schedule": null,
                "tasks": [
                  { "id": "orders", "type": "extract.csv", "config": { "source": "orders.csv" } },
                  { "id": "chart", "type": "analyze.chart", "dependsOn": ["orders"], "config": { "kind": "bar", "x": "id", "y": ["id"], "format": "svg" } },
                  { "id": "report", "type": "analyze.report", "dependsOn": ["orders"], "config": { "title": "Orders" } },
                  { "id": "notify", "type": "utility.notify", "dependsOn": ["orders", "chart", "report"], "config": {
                    "channel": "email", "smtp_secret": "mail", "to": ["team@example.com"], "subject": "Done", "message": "Results are ready: {{ results.chart.path }} ({{ results.chart.rows }} rows).", "include_summary": true } }
                ]
              }
            }
            """);

        DagRunSandbox.AssertSucceeded(run);
        var message = smtp.Messages().Single();
        Assert.That(message, Does.Contain("orders").And.Contain("2 rows").And.Contain("chart.svg").And.Contain("report"));
        Assert.That(message, Does.Not.Contain(_sandbox.SharedData).And.Not.Contain("/tmp/").And.Not.Contain("None"), message);
    }

    [Test]
    public void Fused_and_per_step_runs_of_the_same_workflow_export_the_same_bytes()
    {
        const string workflow = """
            {
              "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow", "metadata": { "name": "Orders by segment" },
              "spec": {
                "schedule": null, "execution": "EXECUTION",
                "tasks": [
                  { "id": "orders", "type": "extract.csv", "config": { "source": "orders.csv" } },
                  { "id": "customers", "type": "extract.csv", "config": { "source": "customers.csv" } },
                  { "id": "tidy", "type": "transform.clean", "dependsOn": ["orders"], "config": { "trim": true, "case": "lower", "deduplicate": true } },
                  { "id": "big", "type": "transform.filter", "dependsOn": ["tidy"], "config": { "conditions": [ { "column": "amount", "operator": "ge", "value": 5 } ] } },
                  { "id": "joined", "type": "transform.join", "dependsOn": ["big", "customers"], "config": { "left_keys": ["customer"], "how": "left" } },
                  { "id": "export", "type": "load.file", "dependsOn": ["joined"], "config": { "path": "out/joined.csv", "format": "csv" } },
                  { "id": "export_json", "type": "load.file", "dependsOn": ["joined"], "config": { "path": "out/joined.json", "format": "json" } },
                  { "id": "stats", "type": "analyze.describe", "dependsOn": ["big"], "config": {} },
                  { "id": "stats_file", "type": "load.file", "dependsOn": ["stats"], "config": { "path": "out/stats.csv", "format": "csv" } }
                ]
              }
            }
            """;
        var exports = new Dictionary<string, Dictionary<string, byte[]>>(StringComparer.Ordinal);
        var tasks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var mode in new[] { "per-step", "fused" })
        {
            using var sandbox = new DagRunSandbox();
            sandbox.WriteFile("orders.csv", "id,customer,region,amount\n1,7,  EU ,10.5\n2,8,us,3\n3,7,eu,7\n3,7,eu,7\n4,9,Apac,12\n5,,eu,99\n");
            sandbox.WriteFile("customers.csv", "customer,segment\n7,retail\n8,trade\n9,retail\n");
            var run = sandbox.Run(generation, workflow.Replace("EXECUTION", mode, StringComparison.Ordinal));
            DagRunSandbox.AssertSucceeded(run);
            tasks[mode] = run.RunTasks.Count;
            exports[mode] = new[] { "out/joined.csv", "out/joined.json", "out/stats.csv" }.ToDictionary(f => f, sandbox.ReadBytes, StringComparer.Ordinal);
        }

        Assert.That(exports["fused"], Is.EqualTo(exports["per-step"]), "byte-identical exports");
        Assert.That(tasks["per-step"], Is.EqualTo(9));
        Assert.That(tasks["fused"], Is.LessThan(tasks["per-step"]), "fewer Airflow tasks");
    }

    private static ThrowawayPostgres RunPostgres => GeneratedDagRunPostgres.Cluster;
}

/// <summary>One PostgreSQL cluster for the run tests of both generations, started on first use.</summary>
[SetUpFixture]
public sealed class GeneratedDagRunPostgres
{
    private static readonly Lazy<ThrowawayPostgres> Lazy = new(() => ThrowawayPostgres.StartAsync().GetAwaiter().GetResult());

    public static ThrowawayPostgres Cluster => Lazy.Value;

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (Lazy.IsValueCreated)
        {
            await Lazy.Value.DisposeAsync();
        }
    }
}
