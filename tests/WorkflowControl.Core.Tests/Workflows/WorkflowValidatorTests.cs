using System.Text;
using System.Text.Json;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

/// <summary>
/// The validator's rules as the API, the CLI and the editor see them: every problem at once, each at its JSON pointer,
/// in words; drafts may be incomplete but never structurally wrong.
/// </summary>
public sealed class WorkflowValidatorTests
{
    private static readonly WorkflowValidator Validator = new(EmbeddedTaskCatalog.Instance);

    private static string Document(string tasks, string spec = "", string metadata = "", string layout = "") => $$"""
        {"apiVersion":"workflowcontrol.io/v1","kind":"Workflow","metadata":{"name":"Sales"{{metadata}}},
         "spec":{"tasks":[{{tasks}}]{{spec}}}{{layout}}}
        """;

    private const string ReadCsv = """{"id":"read","type":"extract.csv","config":{"source":"sales.csv"}}""";

    private static Dictionary<string, string> ProblemsByPointer(WorkflowValidation result) =>
        result.Problems.GroupBy(p => p.Pointer).ToDictionary(g => g.Key, g => string.Join(" | ", g.Select(p => p.Message)));

    [Test]
    public void A_complete_workflow_is_valid_and_comes_back_typed()
    {
        var result = Validator.Validate(Document(ReadCsv + """,{"id":"keep","type":"transform.filter","dependsOn":["read"],"config":{"conditions":[{"column":"amount","operator":"gt","value":10}]}}"""));

        Assert.That(result.Problems, Is.Empty);
        Assert.That(result.Document!.Spec.Tasks.Select(t => t.Id), Is.EqualTo(new[] { "read", "keep" }));
    }

    [Test]
    public void Every_problem_is_reported_at_once_at_its_field()
    {
        var result = Validator.Validate(Document(
            ReadCsv + """,{"id":"read","type":"extract.csv","config":{"source":"b.csv"}},{"id":"Bad-Id","type":"extract.csv","config":{"source":"c.csv"}},{"id":"orphan","type":"transform.filter","dependsOn":["ghost"],"config":{"conditions":[]}}""",
            spec: ""","schedule":"every day","timezone":"Mars/Olympus","params":{"day":{"type":"date","default":"tomorrow"}}""",
            metadata: ""","tags":["workflowcontrol"]"""));

        var problems = ProblemsByPointer(result);

        Assert.That(result.IsValid, Is.False);
        Assert.That(problems["/spec/tasks/1/id"], Does.Contain("used more than once"));
        Assert.That(problems["/spec/tasks/2/id"], Does.Contain("lower-case ASCII letters"));
        Assert.That(problems["/spec/tasks/3/dependsOn/0"], Does.Contain("'ghost', which is not a task of this workflow"));
        Assert.That(problems, Does.ContainKey("/spec/schedule"));
        Assert.That(problems["/spec/timezone"], Does.Contain("Mars/Olympus"));
        Assert.That(problems["/spec/params/day/default"], Does.Contain("YYYY-MM-DD"));
        Assert.That(problems["/metadata/tags/0"], Does.Contain("reserved"));
    }

    [Test]
    public void A_dependency_cycle_is_named_step_by_step()
    {
        var result = Validator.Validate(Document("""
            {"id":"a","type":"transform.filter","dependsOn":["c"],"config":{"conditions":[]}},
            {"id":"b","type":"transform.filter","dependsOn":["a"],"config":{"conditions":[]}},
            {"id":"c","type":"transform.filter","dependsOn":["b"],"config":{"conditions":[]}}
            """));

        Assert.That(result.Problems.Select(p => p.Message), Has.Some.Contains("The dependencies form a cycle: a → c → b → a."));
    }

    [Test]
    public void A_draft_may_leave_a_steps_settings_and_inputs_incomplete_but_deploying_may_not()
    {
        using var draft = JsonDocument.Parse(Document("""{"id":"join","type":"transform.join","config":{}}"""));

        var asDraft = Validator.ValidateDraft(draft.RootElement);
        var asDeployable = Validator.Validate(draft.RootElement);

        Assert.That(asDraft.Problems, Is.Empty);
        var problems = ProblemsByPointer(asDeployable);
        Assert.That(problems["/spec/tasks/0/dependsOn"], Does.Contain("needs 2 upstream task(s)"));
        Assert.That(problems["/spec/tasks/0/config"], Does.Contain("left_keys"));
    }

    [Test]
    public void A_draft_is_still_refused_for_structure_that_cannot_be_edited_into_shape()
    {
        using var draft = JsonDocument.Parse(Document("""{"id":"a","type":"transform.filter","dependsOn":["a"],"config":{}}"""));

        var result = Validator.ValidateDraft(draft.RootElement);

        Assert.That(ProblemsByPointer(result)["/spec/tasks/0/dependsOn/0"], Does.Contain("cannot depend on itself"));
    }

    [Test]
    public void Unknown_config_fields_of_a_real_task_type_are_refused_with_a_pointer()
    {
        var result = Validator.Validate(Document("""{"id":"read","type":"extract.csv","config":{"source":"a.csv","shellCommand":"rm -rf /"}}"""));

        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Problems.Select(p => p.Pointer), Has.Some.StartsWith("/spec/tasks/0/config"));
        Assert.That(JsonSerializer.Serialize(result.Problems), Does.Contain("shellCommand"));
    }

    [Test]
    public void A_join_needs_two_upstream_tasks()
    {
        var join = EmbeddedTaskCatalog.Instance.Find("transform.join")!;

        Assert.That(WorkflowValidator.InputArityProblem(join, 1), Does.Contain("needs 2 upstream task(s)"));
        Assert.That(WorkflowValidator.InputArityProblem(join, 2), Is.Null);
    }

    [Test]
    public void The_layout_may_only_place_steps_the_workflow_has()
    {
        var result = Validator.Validate(Document(ReadCsv, layout: ""","layout":{"nodes":{"gone":{"x":1,"y":2}}}"""));

        Assert.That(ProblemsByPointer(result)["/layout/nodes/gone"], Does.Contain("'gone' that the workflow does not have"));
    }

    [Test]
    public void Whole_numbers_written_with_a_decimal_point_are_refused_where_they_are()
    {
        var result = Validator.Validate(Document(ReadCsv, spec: ""","defaults":{"retries":1.0}"""));

        Assert.That(ProblemsByPointer(result)["/spec/defaults/retries"], Does.Contain("whole number"));
    }

    [Test]
    public void A_byte_order_mark_is_accepted_and_an_oversized_document_is_refused_with_the_limit()
    {
        var withMark = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Document(ReadCsv))).ToArray();
        var oversized = Encoding.UTF8.GetBytes(Document(ReadCsv, metadata: $$""","description":"{{new string('x', WorkflowValidator.MaxDocumentBytes)}}" """));

        Assert.That(Validator.Validate(withMark).Problems, Is.Empty);
        Assert.That(Validator.Validate(oversized).Problems.Single().Message, Does.Contain("the limit is").And.Contain("2 MB"));
    }
}
