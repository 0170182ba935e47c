using System.Text.Json;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

public sealed class WorkflowDiffTests
{
    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement;

    [Test]
    public void Tasks_are_matched_by_id_so_an_insertion_is_one_change()
    {
        var before = J("""{"tasks":[{"id":"a","x":1},{"id":"b","x":2}]}""");
        var after = J("""{"tasks":[{"id":"new","x":0},{"id":"a","x":1},{"id":"b","x":3}]}""");

        var changes = WorkflowDiff.Compare(before, after).Select(c => $"{c.Kind} {c.Pointer}");

        Assert.That(changes, Is.EquivalentTo(new[] { "changed /tasks/2/x", "added /tasks/0" }));
    }

    [Test]
    public void Identical_documents_have_no_changes() =>
        Assert.That(WorkflowDiff.Compare(J("""{"a":[1,2],"b":{"c":null}}"""), J("""{"b":{"c":null},"a":[1,2]}""")), Is.Empty);
}
