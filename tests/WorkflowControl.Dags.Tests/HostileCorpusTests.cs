using System.Text.Json;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

/// <summary>
/// Every hostile text through every string field of a workflow: Python must read each value back exactly,
/// and no file may gain a statement.
/// </summary>
public sealed class HostileCorpusTests
{
    private static readonly string[] DagArguments =
    [
        "dag_id", "dag_display_name", "description", "doc_md", "tags", "schedule", "start_date", "catchup",
        "max_active_runs", "params", "default_args", "render_template_as_native_obj",
    ];

    private readonly Dictionary<string, WorkflowDocument> _documents = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DagCheckResult> _checks = new Dictionary<string, DagCheckResult>();

    public static IEnumerable<TestCaseData> Corpus() => HostileText.Corpus.Select(c => new TestCaseData(c.Name).SetArgDisplayNames(c.Name));

    [OneTimeSetUp]
    public void RenderTheCorpusAndReadItBackWithPython()
    {
        var renderer = new DagRenderer();
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in HostileText.Corpus)
        {
            _documents[name] = Document(value);
            files[name] = renderer.Render(_documents[name], GoldenCases.WorkflowId, GoldenCases.Owner, 1).Content;
        }

        _checks = PythonDagCheck.Run(files);
    }

    [TestCaseSource(nameof(Corpus))]
    public void Text_comes_back_exactly_from_every_field_and_the_file_gains_no_statement(string name)
    {
        var text = HostileText.Corpus.Single(c => c.Name == name).Value;
        var check = _checks[name];
        Assert.That(check.Compiles, Is.True, check.CompileOutput);
        Assert.That(check.Problems, Is.Empty, "only imports, the DAG block, operator calls and dependencies");
        Assert.That(check.Tasks, Has.Count.EqualTo(2), "exactly the two tasks");
        Assert.That(check.Edges, Is.EqualTo(new[] { ("t_source", "t_sink") }), "exactly the one dependency");
        Assert.That(check.Dag.EnumerateObject().Select(p => p.Name), Is.EqualTo(DagArguments), "exactly the DAG arguments");

        var dag = check.Dag;
        Assert.That(dag.GetProperty("dag_display_name").GetString(), Is.EqualTo(text), "dag_display_name");
        Assert.That(dag.GetProperty("doc_md").GetString(), Is.EqualTo(text.Length == 0 ? "### \n" : $"### {text}\n\n{text}\n"), "doc_md");
        Assert.That(dag.GetProperty("doc_md").GetString(), Does.Not.EndWith(".md"), "Airflow would read a doc_md ending in .md as a file");
        var summary = dag.GetProperty("description");
        Assert.That(summary.ValueKind == JsonValueKind.Null ? null : summary.GetString(), Is.EqualTo(DagRenderer.Summary(text)), "description");
        if (summary.ValueKind == JsonValueKind.String)
        {
            Assert.That(summary.GetString(), Does.Not.Contain("\n").And.Not.Contain("\r").And.Not.Contain("\u2028").And.Not.Contain("\u0085"), "the description is one line");
        }

        var tags = dag.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        var expectedTags = new List<string?> { DagRenderer.ProductTag, "owner:" + GoldenCases.Owner.DisplayName };
        if (text.Length <= DagRenderer.MaxTagLength && !expectedTags.Contains(text))
        {
            expectedTags.Add(text);
        }

        Assert.That(tags, Is.EqualTo(expectedTags), "tags");

        var param = dag.GetProperty("params").GetProperty(text);
        Assert.That(param.GetProperty("call").GetString(), Is.EqualTo("Param"));
        Assert.That(param.GetProperty("args")[0].GetString(), Is.EqualTo(text), "param default");
        Assert.That(param.GetProperty("kwargs").GetProperty("description").GetString(), Is.EqualTo(text), "param description");

        var config = check.Task("t_source").GetProperty("config");
        Assert.That(JsonElement.DeepEquals(config, _documents[name].Spec.Tasks[0].Config), Is.True, "config strings and keys at every depth");
        Assert.That(check.Task("t_sink").GetProperty("config").GetProperty("path").GetString(), Is.EqualTo(text));
    }

    [Test]
    public void Nul_in_any_field_is_refused_naming_that_field()
    {
        var renderer = new DagRenderer();
        var nul = "before\0after";
        var baseline = Document("ok");
        var cases = new (string Pointer, WorkflowDocument Document)[]
        {
            ("/metadata/name", baseline with { Metadata = baseline.Metadata with { Name = nul } }),
            ("/metadata/description", baseline with { Metadata = baseline.Metadata with { Description = nul } }),
            ("/metadata/tags/0", baseline with { Metadata = baseline.Metadata with { Tags = [nul] } }),
            ("/spec/params/before\\u0000after", baseline with { Spec = baseline.Spec with { Params = Params(nul, "ok", "ok") } }),
            ("/spec/params/ok/default", baseline with { Spec = baseline.Spec with { Params = Params("ok", nul, "ok") } }),
            ("/spec/params/ok/description", baseline with { Spec = baseline.Spec with { Params = Params("ok", "ok", nul) } }),
            ("/spec/tasks/0/config/nested/list/1/deep", Document("ok", configText: nul)),
            ("/spec/tasks/1/type", baseline with { Spec = baseline.Spec with { Tasks = [baseline.Spec.Tasks[0], baseline.Spec.Tasks[1] with { Type = nul }] } }),
        };

        foreach (var (pointer, document) in cases)
        {
            var e = Assert.Throws<DagRenderException>(() => renderer.Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, 1), pointer)!;
            Assert.That(e.Pointer, Is.EqualTo(pointer));
            Assert.That(e.Message, Is.EqualTo(pointer + ": text contains a NUL character (U+0000), which a DAG file cannot hold"));
        }
    }

    [Test]
    public void A_tag_longer_than_airflow_allows_is_refused()
    {
        var document = Document("ok") with { Metadata = new WorkflowMetadata { Name = "x", Tags = ["fine", HostileText.OneMegabyte] } };
        var e = Assert.Throws<DagRenderException>(() => new DagRenderer().Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, 1))!;
        Assert.That(e.Pointer, Is.EqualTo("/metadata/tags/1"));
    }

    [Test]
    public void Astral_characters_count_as_one_character_toward_the_tag_limit()
    {
        var hundredEmoji = string.Concat(Enumerable.Repeat("📈", 100));
        var document = Document("ok") with { Metadata = new WorkflowMetadata { Name = "x", Tags = [hundredEmoji] } };
        var content = new DagRenderer().Render(document, GoldenCases.WorkflowId, GoldenCases.Owner, 1).Content;
        Assert.That(content, Does.Contain(hundredEmoji), "100 code points is Airflow's limit, not 200 UTF-16 units");
    }

    /// <summary>A two-task workflow carrying <paramref name="text"/> in every string field, config keys at every depth included.</summary>
    internal static WorkflowDocument Document(string text, string? configText = null)
    {
        var config = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["source"] = text,
            [text.Length == 0 ? "empty key" : text] = "key",
            ["nested"] = new Dictionary<string, object?> { ["list"] = new object?[] { text, new Dictionary<string, object?> { ["deep"] = configText ?? text } } },
        });
        return new WorkflowDocument
        {
            Metadata = new WorkflowMetadata { Name = text, Description = text, Tags = text.Length <= DagRenderer.MaxTagLength ? [text] : [] },
            Spec = new WorkflowSpec
            {
                Params = Params(text, text, text),
                Tasks =
                [
                    new WorkflowTask { Id = "source", Type = "extract.csv", Config = config },
                    new WorkflowTask { Id = "sink", Type = "load.file", Config = JsonSerializer.SerializeToElement(new { path = text }), DependsOn = ["source"] },
                ],
            },
        };
    }

    private static Dictionary<string, WorkflowParam> Params(string name, string defaultValue, string description) =>
        new(StringComparer.Ordinal) { [name] = new WorkflowParam { Type = "string", Default = JsonSerializer.SerializeToElement(defaultValue), Description = description } };
}
