using System.Text.Json;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests;

/// <summary>
/// Every DAG file the renderer can produce is executed as Python against the strict double of Airflow 2.10 and 3.2
/// (built from the names Airflow's own classes reserve), as Airflow's DagBag would import it: the golden cases, one
/// workflow per task type, a 500-task workflow and the hostile texts. Then a three-step workflow runs end to end
/// through its generated file on real data.
/// </summary>
[TestFixtureSource(typeof(StrictAirflow), nameof(StrictAirflow.Generations))]
public sealed class AirflowImportTests(string generation)
{
    private readonly Dictionary<string, WorkflowDocument> _documents = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DagImport> _imports = new Dictionary<string, DagImport>();

    public static IEnumerable<TestCaseData> Workflows() =>
        RenderableWorkflows().Select(w => new TestCaseData(w.Name).SetArgDisplayNames(w.Name));

    [OneTimeSetUp]
    public void RenderEveryWorkflowAndImportItIntoTheDouble()
    {
        var renderer = new DagRenderer();
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, document) in RenderableWorkflows())
        {
            _documents[name] = document;
            files[name] = renderer.Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, GoldenCases.Version).Content;
        }

        _imports = StrictAirflow.Import(generation, files);
    }

    [TestCaseSource(nameof(Workflows))]
    public void The_file_imports_into_airflow_with_every_task_its_type_and_its_dependencies(string name)
    {
        var imported = _imports[name];
        Assert.That(imported.Ok, Is.True, $"Airflow {generation} would list {name} as an import error: {imported}");
        var document = _documents[name];
        Assert.That(imported.Dag.GetProperty("dag_id").GetString(), Is.EqualTo(DagPaths.DagId(GoldenCases.WorkflowId)));
        Assert.That(imported.Tasks.Select(t => t.GetProperty("task_id").GetString()), Is.EquivalentTo(document.Spec.Tasks.Select(t => t.Id)));
        foreach (var task in document.Spec.Tasks)
        {
            var airflowTask = imported.Task(task.Id);
            Assert.That(airflowTask.GetProperty("step_type").GetString(), Is.EqualTo(task.Type), task.Id);
            Assert.That(airflowTask.GetProperty("task_type").GetString(), Is.EqualTo(StepOperators.ClassFor(task.Type)), "Airflow's operator name for " + task.Id);
            Assert.That(airflowTask.GetProperty("upstream").EnumerateArray().Select(u => u.GetString()), Is.EquivalentTo(task.DependsOn), task.Id);
            Assert.That(airflowTask.GetProperty("owner").GetString(), Is.EqualTo(GoldenCases.Owner.DisplayName), "the owner Airflow shows");
        }
    }

    [Test]
    public void Operators_see_owner_tags_step_docs_and_a_colour_per_category()
    {
        var imported = _imports["004-analysis-and-reporting"];
        var tags = imported.Dag.GetProperty("kwargs").GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.That(tags.Take(2), Is.EqualTo(new[] { "workflowcontrol", "owner:Ada Lovelace" }));
        var chart = imported.Task("chart");
        Assert.That(chart.GetProperty("doc_md").GetString(), Does.StartWith("**" + GoldenCases.Catalog.Find("analyze.chart")!.Title + "** `analyze.chart`").And.Contain("- `kind`: `bar`").And.Contain("- `title`: `Revenue by segment`"));
        var colours = imported.Tasks.GroupBy(t => t.GetProperty("task_type").GetString()).ToDictionary(g => g.Key!, g => g.Select(t => t.GetProperty("ui_color").GetString()).Distinct().Single());
        Assert.That(colours.Values.Distinct().Count(), Is.EqualTo(colours.Count), "one colour per category: " + string.Join(", ", colours));
    }

    [Test]
    public void A_hostile_name_comes_back_exactly_as_the_dags_display_name()
    {
        foreach (var (name, text) in HostileText.Corpus)
        {
            var dag = _imports["hostile:" + name].Dag;
            Assert.That(dag.GetProperty("kwargs").GetProperty("dag_display_name").GetString(), Is.EqualTo(text), name);
            Assert.That(dag.GetProperty("params").GetProperty(text).GetProperty("default").GetString(), Is.EqualTo(text), name);
        }
    }

    [Test]
    public void A_parameter_without_a_default_is_optional_at_trigger_time()
    {
        var param = _imports["002-cron-params-retries"].Dag.GetProperty("params").GetProperty("batch_label");
        Assert.That(param.GetProperty("default").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(param.GetProperty("schema").GetProperty("type").EnumerateArray().Select(t => t.GetString()), Does.Contain("null"));
    }

    [Test]
    public void Csv_filter_export_runs_end_to_end_through_the_generated_file()
    {
        var root = Directory.CreateTempSubdirectory("wfc-shared-");
        var dags = Directory.CreateTempSubdirectory("wfc-dags-");
        try
        {
            var files = Path.Combine(root.FullName, GoldenCases.OwnerId.ToString("D"), "files");
            Directory.CreateDirectory(files);
            File.WriteAllText(Path.Combine(files, "orders.csv"), "id,region,amount\n1,eu,10.5\n2,us,3\n3,eu,7\n4,eu,1\n");
            var document = JsonSerializer.Deserialize<WorkflowDocument>(
                """
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
                """, WorkflowJson.Options)!;
            var rendered = new DagRenderer().Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, 1);
            var dagFile = Path.Combine(dags.FullName, "wf.py");
            File.WriteAllText(dagFile, rendered.Content);

            var run = StrictAirflow.Run(generation, dagFile, "manual__2024-05-01T06:00:00+00:00", new DateTimeOffset(2024, 5, 1, 6, 0, 0, TimeSpan.Zero),
                conf: new { minimum = 7 }, new Dictionary<string, string> { ["WORKFLOWCONTROL_SHARED_DATA"] = root.FullName });

            Assert.That(run.Ok, Is.True, run.ToString());
            Assert.That(run.RunTasks.Select(t => (t.GetProperty("task_id").GetString(), t.GetProperty("state").GetString())),
                Is.EqualTo(new[] { ("orders", "success"), ("eu_only", "success"), ("export", "success") }),
                string.Join("\n", run.RunTasks.Select(t => t.GetRawText())));
            Assert.That(run.RunTasks[1].GetProperty("result").GetProperty("rows").GetInt32(), Is.EqualTo(2), "rows handed over through XCom");
            var exported = File.ReadAllText(Path.Combine(files, "out", "eu_2024-05-01.csv"));
            Assert.That(exported.ReplaceLineEndings("\n"), Is.EqualTo("id,region,amount\n1,eu,10.5\n3,eu,7.0\n"));
        }
        finally
        {
            root.Delete(recursive: true);
            dags.Delete(recursive: true);
        }
    }

    [Test]
    public void A_failing_step_fails_its_task_with_the_one_line_explanation_first_and_skips_what_follows()
    {
        var dags = Directory.CreateTempSubdirectory("wfc-dags-");
        var root = Directory.CreateTempSubdirectory("wfc-shared-");
        try
        {
            var document = GoldenCases.Load("001-minimal-manual");
            var dagFile = Path.Combine(dags.FullName, "wf.py");
            File.WriteAllText(dagFile, new DagRenderer().Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, 1).Content);

            var run = StrictAirflow.Run(generation, dagFile, "manual__1", DateTimeOffset.UnixEpoch, null, new Dictionary<string, string> { ["WORKFLOWCONTROL_SHARED_DATA"] = root.FullName });

            var failed = run.RunTasks[0];
            Assert.That(failed.GetProperty("state").GetString(), Is.EqualTo("failed"));
            var log = failed.GetProperty("log").GetString()!;
            var firstError = log.Split('\n').First(l => l.StartsWith("ERROR", StringComparison.Ordinal) || l.StartsWith("Traceback", StringComparison.Ordinal));
            Assert.That(firstError, Does.StartWith("ERROR - Step failed: task read_orders (extract.csv), field 'source': file 'orders.csv' was not found"), log);
            Assert.That(log.IndexOf("Traceback", StringComparison.Ordinal), Is.GreaterThan(log.IndexOf("Step failed", StringComparison.Ordinal)), "the traceback only below");
            Assert.That(run.RunTasks[1].GetProperty("state").GetString(), Is.EqualTo("upstream_failed"));
        }
        finally
        {
            dags.Delete(recursive: true);
            root.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The golden cases that render, one workflow per catalog task type (a golden case's step of that type with
    /// its upstream steps, so its config is a realistic one), a 500-task workflow and every hostile text.
    /// </summary>
    private static IEnumerable<(string Name, WorkflowDocument Document)> RenderableWorkflows()
    {
        var golden = GoldenCases.Names().Where(n => !File.Exists(GoldenCases.ErrorPath(n))).Select(n => (n, GoldenCases.Load(n))).ToList();
        foreach (var workflow in golden)
        {
            yield return workflow;
        }

        foreach (var type in GoldenCases.Catalog.All.Select(t => t.Id))
        {
            var (_, source) = golden.First(g => g.Item2.Spec.Tasks.Any(t => t.Type == type));
            yield return ("type:" + type, WithAncestors(source, source.Spec.Tasks.First(t => t.Type == type)));
        }

        yield return ("500-tasks", FiveHundredTasks());
        foreach (var (name, text) in HostileText.Corpus)
        {
            yield return ("hostile:" + name, HostileDocument(text));
        }
    }

    private static WorkflowDocument WithAncestors(WorkflowDocument source, WorkflowTask task)
    {
        var byId = source.Spec.Tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([task.Id]);
        while (pending.TryPop(out var id))
        {
            if (keep.Add(id))
            {
                foreach (var upstream in byId[id].DependsOn)
                {
                    pending.Push(upstream);
                }
            }
        }

        return source with { Spec = source.Spec with { Tasks = [.. source.Spec.Tasks.Where(t => keep.Contains(t.Id))] } };
    }

    private static WorkflowDocument FiveHundredTasks()
    {
        var tasks = new List<WorkflowTask>();
        JsonElement Config(object value) => JsonSerializer.SerializeToElement(value);
        for (var i = 0; i < 100; i++)
        {
            tasks.Add(new WorkflowTask { Id = $"extract_{i}", Type = "extract.csv", Config = Config(new { source = $"regions/{i}.csv" }) });
            tasks.Add(new WorkflowTask { Id = $"clean_{i}", Type = "transform.clean", Config = Config(new { trim = true }), DependsOn = [$"extract_{i}"] });
            tasks.Add(new WorkflowTask { Id = $"filter_{i}", Type = "transform.filter", Config = Config(new { conditions = new[] { new { column = "amount", @operator = "gt", value = 0 } } }), DependsOn = [$"clean_{i}"] });
            tasks.Add(new WorkflowTask { Id = $"describe_{i}", Type = "analyze.describe", Config = Config(new { }), DependsOn = [$"filter_{i}"] });
            tasks.Add(new WorkflowTask { Id = $"save_{i}", Type = "load.file", Config = Config(new { path = $"out/{i}.csv", format = "csv" }), DependsOn = [$"filter_{i}"] });
        }

        return new WorkflowDocument { Metadata = new WorkflowMetadata { Name = "Five hundred steps" }, Spec = new WorkflowSpec { Tasks = tasks } };
    }

    private static WorkflowDocument HostileDocument(string text) => new()
    {
        Metadata = new WorkflowMetadata { Name = text, Description = text, Tags = text.Length is > 0 and <= DagRenderer.MaxTagLength ? [text] : [] },
        Spec = new WorkflowSpec
        {
            Params = new Dictionary<string, WorkflowParam>(StringComparer.Ordinal)
            {
                [text] = new WorkflowParam { Type = "string", Default = JsonSerializer.SerializeToElement(text), Description = text },
            },
            Tasks =
            [
                new WorkflowTask { Id = "source", Type = "extract.csv", Config = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["source"] = text, [text.Length == 0 ? "empty" : text] = text }) },
                new WorkflowTask { Id = "sink", Type = "load.file", Config = JsonSerializer.SerializeToElement(new { path = text }), DependsOn = ["source"] },
            ],
        },
    };
}
