using System.Text;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

public sealed class GoldenFileTests
{
    private static readonly UTF8Encoding Utf8 = new(false);
    private readonly Dictionary<string, RenderedDag> _rendered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DagRenderException> _errors = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DagCheckResult> _checks = new Dictionary<string, DagCheckResult>();

    public static IEnumerable<TestCaseData> Cases() => GoldenCases.Names().Select(n => new TestCaseData(n).SetArgDisplayNames(n));

    [OneTimeSetUp]
    public void RenderAllCasesAndCheckThemWithPython()
    {
        var renderer = new DagRenderer();
        foreach (var name in GoldenCases.Names())
        {
            try
            {
                _rendered[name] = renderer.Render(GoldenCases.Load(name), GoldenCases.WorkflowId, GoldenCases.Owner, GoldenCases.Version);
            }
            catch (DagRenderException e)
            {
                _errors[name] = e;
            }
        }

        _checks = PythonDagCheck.Run(_rendered.ToDictionary(r => r.Key, r => r.Value.Content, StringComparer.Ordinal));
    }

    [TestCaseSource(nameof(Cases))]
    public void Case_renders_as_expected(string name)
    {
        var errorPath = GoldenCases.ErrorPath(name);
        if (File.Exists(errorPath))
        {
            Assert.That(_rendered.ContainsKey(name), Is.False, $"{name} should fail to render");
            Assert.That(_errors[name].Message, Is.EqualTo(File.ReadAllText(errorPath).TrimEnd('\n')), "error message");
            return;
        }

        Assert.That(_errors.TryGetValue(name, out var error), Is.False, $"{name} failed to render: {error?.Message}");
        var content = _rendered[name].Content;
        var expectedPath = GoldenCases.ExpectedPath(name);
        if (GoldenCases.Update || !File.Exists(expectedPath))
        {
            File.WriteAllText(expectedPath, content, Utf8);
            Assert.That(GoldenCases.Update, Is.True, $"{expectedPath} did not exist; it was written now: review and commit it");
        }

        Assert.That(content, Is.EqualTo(File.ReadAllText(expectedPath, Utf8)), $"rendered output differs from {Path.GetFileName(expectedPath)} (UPDATE_GOLDEN=1 rewrites it)");
    }

    [TestCaseSource(nameof(Cases))]
    public void Case_compiles_and_holds_only_imports_the_dag_block_operators_and_dependencies(string name)
    {
        if (!_rendered.ContainsKey(name))
        {
            Assert.That(File.Exists(GoldenCases.ErrorPath(name)), Is.True, $"{name} failed to render: {_errors[name].Message}");
            return;
        }

        var check = _checks[name];
        Assert.That(check.Compiles, Is.True, check.CompileOutput);
        Assert.That(check.Problems, Is.Empty, "syntax tree problems");

        var document = GoldenCases.Load(name);
        var plan = ExecutionModes.IsFused(document.Spec) ? StepGrouping.Fused(document.Spec.Tasks) : StepGrouping.PerStep(document.Spec.Tasks);
        var vars = check.Tasks.Select(t => t.GetProperty("var").GetString()).ToList();
        Assert.That(vars, Is.EquivalentTo(plan.Select(g => "t_" + g.TaskId)), "one operator per task of the plan (per step, or per fused group)");
        var expectedEdges = plan.SelectMany(g => g.Upstream.Select(u => ("t_" + u, "t_" + g.TaskId)));
        Assert.That(check.Edges, Is.EquivalentTo(expectedEdges), "one dependency line per edge between tasks");
        Assert.That(check.Dag.GetProperty("dag_id").GetString(), Is.EqualTo(DagPaths.DagId(GoldenCases.WorkflowId)));
        Assert.That(check.Dag.TryGetProperty("schedule", out _), Is.True, "schedule is always explicit");
        Assert.That(check.Dag.TryGetProperty("schedule_interval", out _), Is.False);
        Assert.That(check.Imports, Has.None.StartsWith("airflow.sdk"));
    }

    [TestCaseSource(nameof(Cases))]
    public void Case_input_is_a_valid_workflow_unless_it_is_an_error_case(string name)
    {
        if (File.Exists(GoldenCases.ErrorPath(name)))
        {
            return;
        }

        var validation = new WorkflowValidator(GoldenCases.Catalog).Validate(GoldenCases.Json(name));
        Assert.That(validation.Problems.Select(p => $"{p.Pointer}: {p.Message}"), Is.Empty, "golden inputs should be workflows the API accepts");
    }

    [Test]
    public void Golden_cases_cover_every_task_type_of_the_catalog()
    {
        var covered = GoldenCases.Names().Where(n => !File.Exists(GoldenCases.ErrorPath(n)))
            .SelectMany(n => GoldenCases.Load(n).Spec.Tasks.Select(t => t.Type))
            .ToHashSet(StringComparer.Ordinal);
        var catalog = GoldenCases.Catalog.All.Select(t => t.Id).ToList();
        Assert.That(catalog, Is.Not.Empty, "the task catalog files were found");
        Assert.That(catalog.Where(id => !covered.Contains(id)), Is.Empty, "task types without a golden case");
    }

    [Test]
    public void Every_expected_file_has_its_workflow()
    {
        var orphans = Directory.GetFiles(GoldenCases.Directory)
            .Select(f => Path.GetFileName(f))
            .Where(f => f.EndsWith(".expected.py", StringComparison.Ordinal) || f.EndsWith(".error.txt", StringComparison.Ordinal))
            .Where(f => !File.Exists(Path.Combine(GoldenCases.Directory, f[..f.IndexOf('.', StringComparison.Ordinal)] + ".workflow.json")));
        Assert.That(orphans, Is.Empty);
    }
}
