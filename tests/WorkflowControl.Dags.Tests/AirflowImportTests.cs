using System.Text.Json;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests;

/// <summary>
/// Every DAG file the renderer can produce is executed as Python against the strict double of Airflow 2.10 and 3.2
/// (built from the names Airflow's own classes reserve), as Airflow's DagBag would import it: the golden cases, one
/// workflow per task type, a 500-task workflow and the hostile texts. Running generated files end to end on real
/// data is <see cref="Running.GeneratedDagRunTests"/>.
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
        var plan = ExecutionModes.IsFused(document.Spec) ? StepGrouping.Fused(document.Spec.Tasks) : StepGrouping.PerStep(document.Spec.Tasks);
        Assert.That(imported.Dag.GetProperty("dag_id").GetString(), Is.EqualTo(DagPaths.DagId(GoldenCases.WorkflowId)));
        Assert.That(imported.Tasks.Select(t => t.GetProperty("task_id").GetString()), Is.EquivalentTo(plan.Select(g => g.TaskId)));
        var types = document.Spec.Tasks.ToDictionary(t => t.Id, t => t.Type);
        foreach (var group in plan)
        {
            var airflowTask = imported.Task(group.TaskId);
            if (group.IsSingleStep)
            {
                Assert.That(airflowTask.GetProperty("step_type").GetString(), Is.EqualTo(types[group.Steps[0]]), group.TaskId);
                Assert.That(airflowTask.GetProperty("task_type").GetString(), Is.EqualTo(StepOperators.ClassFor(types[group.Steps[0]])), "Airflow's operator name for " + group.TaskId);
            }
            else
            {
                Assert.That(airflowTask.GetProperty("task_type").GetString(), Is.EqualTo(StepOperators.Fused), group.TaskId);
                Assert.That(airflowTask.GetProperty("steps").EnumerateArray().Select(s => s.GetString()), Is.EqualTo(group.Steps), "the group's steps in run order");
            }

            Assert.That(airflowTask.GetProperty("upstream").EnumerateArray().Select(u => u.GetString()), Is.EquivalentTo(group.Upstream), group.TaskId);
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

        // Every golden workflow again with fused execution: the same steps in fewer Airflow tasks.
        foreach (var (name, document) in golden.Where(g => !ExecutionModes.IsFused(g.Item2.Spec)))
        {
            yield return ("fused:" + name, document with { Spec = document.Spec with { Execution = ExecutionModes.Fused } });
        }

        var fiveHundred = FiveHundredTasks();
        yield return ("500-tasks", fiveHundred);
        yield return ("500-tasks fused", fiveHundred with { Spec = fiveHundred.Spec with { Execution = ExecutionModes.Fused } });
        foreach (var (name, text) in HostileText.Corpus)
        {
            yield return ("hostile:" + name, HostileCorpusTests.Document(text));
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
}
