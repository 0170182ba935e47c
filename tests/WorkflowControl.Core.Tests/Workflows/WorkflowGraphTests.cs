using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

public sealed class WorkflowGraphTests
{
    private static WorkflowTask T(string id, params string[] deps) => new() { Id = id, Type = "x", DependsOn = deps };

    [Test]
    public void A_cycle_is_found_and_named_in_order()
    {
        var cycle = WorkflowGraph.FindCycle([T("a", "c"), T("b", "a"), T("c", "b"), T("d")]);

        Assert.That(cycle, Is.EqualTo(new[] { "a", "c", "b", "a" }));
    }

    [Test]
    public void An_acyclic_graph_has_no_cycle_and_a_dependency_respecting_order()
    {
        var tasks = new[] { T("load", "clean"), T("clean", "extract"), T("extract"), T("notify", "load", "extract") };

        Assert.That(WorkflowGraph.FindCycle(tasks), Is.Null);
        Assert.That(WorkflowGraph.TopologicalOrder(tasks).Select(t => t.Id), Is.EqualTo(new[] { "extract", "clean", "load", "notify" }));
    }

    [Test]
    public void A_ten_thousand_task_chain_does_not_overflow_the_stack()
    {
        var chain = Enumerable.Range(0, 10_000).Select(i => i == 0 ? T("t0") : T($"t{i}", $"t{i - 1}")).ToList();

        Assert.That(WorkflowGraph.FindCycle(chain), Is.Null);
        Assert.That(WorkflowGraph.TopologicalOrder(chain)[^1].Id, Is.EqualTo("t9999"));
    }
}
