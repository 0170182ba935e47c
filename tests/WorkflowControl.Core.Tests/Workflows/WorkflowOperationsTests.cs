using System.Text.Json.Nodes;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Testing;

namespace WorkflowControl.Core.Tests.Workflows;

/// <summary>
/// The shared cases in tests/fixtures/operations.json (the browser's applyOperation runs them too), then what only the
/// server meets: operations from the network that are malformed, too large or too deep.
/// </summary>
public sealed class WorkflowOperationsTests
{
    private static readonly JsonObject Fixture =
        JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("tests", "fixtures", "operations.json")))!.AsObject();

    public static IEnumerable<TestCaseData> SharedCases() =>
        Fixture["cases"]!.AsArray().Select(c => new TestCaseData(c!.AsObject()).SetName(c!["name"]!.GetValue<string>()));

    [TestCaseSource(nameof(SharedCases))]
    public void Shared_case(JsonObject sharedCase)
    {
        var document = Document(sharedCase["document"]);
        var before = document.DeepClone();

        var outcome = WorkflowOperations.Apply(document, sharedCase["operation"]);

        var expect = sharedCase["expect"]!.AsObject();
        if (expect["refused"] is { } refused)
        {
            Assert.That(outcome.Accepted, Is.False, "the operation should have been refused");
            Assert.That(outcome.Refusal, Does.Contain(refused.GetValue<string>()));
        }
        else
        {
            Assert.That(outcome.Refusal, Is.Null);
            var expected = Document(expect["document"]);
            Assert.That(JsonNode.DeepEquals(outcome.Document, expected), Is.True,
                $"expected\n{expected.ToJsonString()}\nbut got\n{outcome.Document?.ToJsonString()}");
        }

        Assert.That(JsonNode.DeepEquals(document, before), Is.True, "Apply changed the document it was given");
    }

    [Test]
    public void The_shared_cases_cover_every_kind_of_operation() =>
        Assert.That(
            Fixture["cases"]!.AsArray().Select(c => c!["operation"]!["kind"]!.GetValue<string>()).Distinct().Order(),
            Is.EqualTo(new[] { "addEdge", "addNode", "batch", "deleteEdge", "deleteNode", "moveNode", "updateConfig", "updateNode", "updateSettings" }));

    [TestCase("null", "must be a JSON object")]
    [TestCase("""[{"kind":"moveNode"}]""", "must be a JSON object")]
    [TestCase("""{"id":"extract"}""", "needs a \"kind\"")]
    [TestCase("""{"kind":7}""", "needs a \"kind\"")]
    [TestCase("""{"kind":"foo"}""", "Unknown operation kind \"foo\".")]
    [TestCase("""{"kind":"deleteNode"}""", "\"deleteNode\" needs \"id\" as a string.")]
    [TestCase("""{"kind":"deleteNode","id":null}""", "\"deleteNode\" needs \"id\" as a string.")]
    [TestCase("""{"kind":"moveNode","id":"extract"}""", "\"moveNode\" needs a numeric position {x, y}.")]
    [TestCase("""{"kind":"moveNode","id":"extract","position":{"x":"1","y":2}}""", "\"moveNode\" needs a numeric position {x, y}.")]
    [TestCase("""{"kind":"addNode","position":{"x":0,"y":0}}""", "\"addNode\" needs a task {id, type, config, dependsOn}.")]
    [TestCase("""{"kind":"addNode","task":{"id":"x","type":"load.csv","config":{}},"position":{"x":0,"y":0}}""", "\"dependsOn\" as a list of task ids")]
    [TestCase("""{"kind":"addNode","task":{"id":"x","type":"load.csv","config":[],"dependsOn":[]},"position":{"x":0,"y":0}}""", "\"config\" as an object")]
    [TestCase("""{"kind":"addNode","task":{"id":"x","config":{},"dependsOn":[]},"position":{"x":0,"y":0}}""", "\"type\" as a string")]
    [TestCase("""{"kind":"addNode","task":{"id":"x","type":"load.csv","config":{},"dependsOn":[1]},"position":{"x":0,"y":0}}""", "\"dependsOn\" as a list of task ids")]
    [TestCase("""{"kind":"addNode","task":{"id":"x","type":"load.csv","config":{},"dependsOn":[]},"position":{"x":0,"y":0},"index":"0"}""", "\"addNode\" needs \"index\" as a number")]
    [TestCase("""{"kind":"updateNode","id":"extract","newId":null}""", "\"updateNode\" needs \"newId\" as a string")]
    [TestCase("""{"kind":"updateNode","id":"extract","config":"path=x"}""", "\"updateNode\" needs \"config\" as an object")]
    [TestCase("""{"kind":"updateConfig","id":"extract","path":"path","value":1}""", "\"updateConfig\" needs \"path\" as a list of field names.")]
    [TestCase("""{"kind":"updateConfig","id":"extract","path":["a",2],"value":1}""", "\"updateConfig\" needs \"path\" as a list of field names.")]
    [TestCase("""{"kind":"addEdge","source":"extract"}""", "\"addEdge\" needs \"target\" as a string.")]
    [TestCase("""{"kind":"addEdge","source":"extract","target":"export","index":null}""", "\"addEdge\" needs \"index\" as a number")]
    [TestCase("""{"kind":"deleteEdge","target":"export"}""", "\"deleteEdge\" needs \"source\" as a string.")]
    [TestCase("""{"kind":"updateSettings"}""", "\"updateSettings\" needs \"changes\" as an object.")]
    [TestCase("""{"kind":"updateSettings","changes":{"owner":"me"}}""", "Unknown setting \"owner\".")]
    [TestCase("""{"kind":"updateSettings","changes":{"name":null}}""", "Setting \"name\" must be a string.")]
    [TestCase("""{"kind":"updateSettings","changes":{"tags":"a,b"}}""", "Setting \"tags\" must be a list of strings.")]
    [TestCase("""{"kind":"updateSettings","changes":{"catchup":"yes"}}""", "Setting \"catchup\" must be true or false.")]
    [TestCase("""{"kind":"updateSettings","changes":{"retries":"3"}}""", "Setting \"retries\" must be a number.")]
    [TestCase("""{"kind":"updateSettings","changes":{"schedule":5}}""", "Setting \"schedule\" must be a string or null.")]
    [TestCase("""{"kind":"updateSettings","changes":{"params":[]}}""", "Setting \"params\" must be an object.")]
    [TestCase("""{"kind":"updateSettings","changes":{"execution":"sometimes"}}""", "Setting \"execution\" must be \"fused\", \"per-step\" or null.")]
    [TestCase("""{"kind":"updateSettings","changes":{"execution":1}}""", "Setting \"execution\" must be")]
    [TestCase("""{"kind":"updateNode","id":"extract","ownTask":"yes"}""", "\"updateNode\" needs \"ownTask\" as true or false")]
    [TestCase("""{"kind":"updateNode","id":"extract","ownTask":null}""", "\"updateNode\" needs \"ownTask\" as true or false")]
    [TestCase("""{"kind":"batch"}""", "\"batch\" needs \"ops\" as a list of operations.")]
    [TestCase("""{"kind":"batch","ops":[{"kind":"moveNode","id":"extract","position":{"x":1,"y":1}},{"kind":"nope"}]}""", "Unknown operation kind \"nope\".")]
    public void Malformed_operations_are_refused_with_the_reason(string operation, string reason)
    {
        var outcome = WorkflowOperations.Apply(Pipeline(), JsonNode.Parse(operation));

        Assert.That(outcome.Accepted, Is.False);
        Assert.That(outcome.Refusal, Does.Contain(reason));
    }

    [TestCase("""{"kind":"deleteNode","id":"extract","id":"filter"}""")]
    [TestCase("""{"kind":"updateConfig","id":"extract","path":["a"],"value":[{"b":1,"b":2}]}""")]
    public void An_operation_with_a_repeated_property_is_refused_not_thrown(string operation)
    {
        var op = JsonNode.Parse(operation);

        var outcome = WorkflowOperations.Apply(Pipeline(), op);

        Assert.That(outcome.Refusal, Is.EqualTo("An operation must be valid JSON without repeated property names."));
        Assert.That(WorkflowOperations.NodesAnEditLockProtects(op), Is.Empty);
    }

    [Test]
    public void A_very_long_unknown_kind_is_shortened_in_the_refusal()
    {
        var outcome = WorkflowOperations.Apply(Pipeline(), new JsonObject { ["kind"] = new string('k', 10_000) });

        Assert.That(outcome.Refusal, Has.Length.LessThan(200));
    }

    [Test]
    public void Batches_nest_at_most_eight_deep()
    {
        Assert.That(WorkflowOperations.Apply(Pipeline(), Nested(WorkflowOperations.MaxBatchDepth)).Accepted, Is.True);

        var outcome = WorkflowOperations.Apply(Pipeline(), Nested(WorkflowOperations.MaxBatchDepth + 1));

        Assert.That(outcome.Refusal, Is.EqualTo("Batches may be nested at most 8 deep."));

        static JsonNode Nested(int depth)
        {
            JsonNode op = new JsonObject { ["kind"] = "moveNode", ["id"] = "extract", ["position"] = new JsonObject { ["x"] = 1, ["y"] = 2 } };
            for (var i = 0; i < depth; i++)
            {
                op = new JsonObject { ["kind"] = "batch", ["ops"] = new JsonArray(op) };
            }

            return op;
        }
    }

    [Test]
    public void A_batch_of_more_than_a_thousand_operations_is_refused()
    {
        JsonObject Batch(int steps) => new()
        {
            ["kind"] = "batch",
            ["ops"] = new JsonArray([.. Enumerable.Range(0, steps).Select(i =>
                (JsonNode)new JsonObject { ["kind"] = "moveNode", ["id"] = "extract", ["position"] = new JsonObject { ["x"] = i, ["y"] = 0 } })]),
        };

        var fits = WorkflowOperations.Apply(Pipeline(), Batch(WorkflowOperations.MaxOperations - 1));
        var tooMany = WorkflowOperations.Apply(Pipeline(), Batch(WorkflowOperations.MaxOperations));

        Assert.That(fits.Document?["layout"]?["nodes"]?["extract"]?["x"]?.GetValue<int>(), Is.EqualTo(998), "the last move wins");
        Assert.That(tooMany.Refusal, Is.EqualTo("A batch may hold at most 1000 operations."));
    }

    [Test]
    public void Values_built_in_code_are_read_like_parsed_ones()
    {
        var op = new JsonObject
        {
            ["kind"] = "addEdge", ["source"] = "extract", ["target"] = "export", ["index"] = 0,
        };

        var outcome = WorkflowOperations.Apply(Pipeline(), op);

        Assert.That(outcome.Document?["spec"]?["tasks"]?[2]?["dependsOn"]?.ToJsonString(), Is.EqualTo("""["extract","filter"]"""));
    }

    [Test]
    public void The_operation_is_not_changed_and_the_result_shares_no_nodes_with_it()
    {
        var op = JsonNode.Parse("""{"kind":"updateConfig","id":"extract","path":["options"],"value":{"header":true}}""")!;
        var before = op.DeepClone();

        var outcome = WorkflowOperations.Apply(Pipeline(), op);
        op["value"]!["header"] = false;

        Assert.That(JsonNode.DeepEquals(op["path"], before["path"]), Is.True);
        Assert.That(outcome.Document?["spec"]?["tasks"]?[0]?["config"]?["options"]?["header"]?.GetValue<bool>(), Is.True);
    }

    [Test]
    public void Garbage_in_any_field_is_refused_or_applied_but_never_throws()
    {
        JsonNode?[] junk = [null, 0, -1.5, "", "extract", true, new JsonArray(), new JsonArray("extract", 1), new JsonObject(), new JsonObject { ["x"] = 1 }];
        string[] kinds = ["addNode", "deleteNode", "moveNode", "updateNode", "updateConfig", "addEdge", "deleteEdge", "updateSettings", "batch"];
        string[] fields = ["task", "id", "newId", "position", "config", "path", "value", "source", "target", "index", "changes", "ops"];
        var random = new Random(7);

        for (var i = 0; i < 5000; i++)
        {
            var op = new JsonObject { ["kind"] = kinds[random.Next(kinds.Length)] };
            foreach (var field in fields.Where(_ => random.Next(2) == 0))
            {
                op[field] = junk[random.Next(junk.Length)]?.DeepClone();
            }

            Assert.DoesNotThrow(() => WorkflowOperations.Apply(Pipeline(), op), op.ToJsonString());
            Assert.DoesNotThrow(() => WorkflowOperations.NodesAnEditLockProtects(op), op.ToJsonString());
        }
    }

    [TestCase("""{"kind":"updateConfig","id":"extract","path":["path"],"value":"x.csv"}""", new[] { "extract" })]
    [TestCase("""{"kind":"updateNode","id":"filter","config":{}}""", new[] { "filter" })]
    [TestCase("""{"kind":"updateNode","id":"filter","newId":"only_paid"}""", new[] { "filter" })]
    [TestCase("""{"kind":"updateNode","id":"filter","ownTask":true}""", new[] { "filter" })]
    [TestCase("""{"kind":"updateNode","id":"filter","newId":"filter"}""", new string[0])]
    [TestCase("""{"kind":"moveNode","id":"filter","position":{"x":1,"y":1}}""", new string[0])]
    [TestCase("""{"kind":"addEdge","source":"extract","target":"export"}""", new string[0])]
    [TestCase("""{"kind":"deleteNode","id":"filter"}""", new[] { "filter" })]
    [TestCase("""{"kind":"foo"}""", new string[0])]
    [TestCase("""
        {"kind":"batch","ops":[
          {"kind":"updateConfig","id":"export","path":["a"],"value":1},
          {"kind":"moveNode","id":"extract","position":{"x":1,"y":1}},
          {"kind":"batch","ops":[{"kind":"updateNode","id":"filter","newId":"f2"},{"kind":"updateConfig","id":"export","path":["b"]}]}
        ]}
        """, new[] { "export", "filter" })]
    public void Nodes_whose_config_changes_are_those_an_edit_lock_protects(string operation, string[] expected) =>
        Assert.That(WorkflowOperations.NodesAnEditLockProtects(JsonNode.Parse(operation)), Is.EqualTo(expected));

    private static JsonObject Pipeline() => Fixture["documents"]!["pipeline"]!.DeepClone().AsObject();

    private static JsonObject Document(JsonNode? reference) =>
        reference is JsonObject inline ? inline.DeepClone().AsObject() : Fixture["documents"]![reference!.GetValue<string>()]!.DeepClone().AsObject();
}
