using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

public sealed class StepGroupingTests
{
    [Test]
    public void A_chain_becomes_one_task_named_after_its_first_and_last_step()
    {
        var groups = StepGrouping.Fused([Step("read"), Step("clean", "read"), Step("keep", "clean"), Step("export", ["keep"], "load.file")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read__to__export: read clean keep export <- " }));
    }

    [Test]
    public void A_tree_fans_out_inside_one_task()
    {
        var groups = StepGrouping.Fused([Step("read"), Step("chart", "read"), Step("stats", "read"), Step("save", ["read"], "load.file")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read__to__save: read chart stats save <- " }));
    }

    [Test]
    public void A_diamond_stays_together()
    {
        var groups = StepGrouping.Fused([Step("read"), Step("left", "read"), Step("right", "read"), Step("joined", "left", "right")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read__to__joined: read left right joined <- " }));
    }

    [Test]
    public void Fan_in_from_another_group_joins_one_and_reads_the_other_through_storage()
    {
        var groups = StepGrouping.Fused([Step("orders"), Step("customers"), Step("joined", "orders", "customers"), Step("export", ["joined"], "load.file")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "orders__to__export: orders joined export <- customers", "customers: customers <- " }));
    }

    [TestCase("load.postgres")]
    [TestCase("load.batch")]
    [TestCase("load.incremental")]
    [TestCase("utility.notify")]
    public void Database_loads_and_notifications_are_tasks_of_their_own_and_take_no_followers(string type)
    {
        var groups = StepGrouping.Fused([Step("read"), Step("load", ["read"], type), Step("after", "load")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read: read <- ", "load: load <- read", "after: after <- load" }));
    }

    [Test]
    public void A_step_marked_own_task_runs_alone()
    {
        var groups = StepGrouping.Fused([Step("read"), Step("slow", "read") with { OwnTask = true }, Step("after", "slow")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read: read <- ", "slow: slow <- read", "after: after <- slow" }));
    }

    [Test]
    public void A_group_never_waits_for_a_group_that_waits_for_it()
    {
        // notify reads 'read' (group A); 'late' reads 'read' and 'notify': joining A would make A wait for notify.
        var groups = StepGrouping.Fused([Step("read"), Step("notify", ["read"], "utility.notify"), Step("late", "read", "notify")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read: read <- ", "notify: notify <- read", "late: late <- notify read" }));
    }

    [Test]
    public void The_step_limit_starts_a_new_group()
    {
        var chain = Enumerable.Range(0, 5).Select(i => Step($"s{i}", i == 0 ? [] : new[] { $"s{i - 1}" })).ToList();

        var groups = StepGrouping.Fused(chain, new GroupingRules { MaxStepsPerGroup = 2 });

        Assert.That(Describe(groups), Is.EqualTo(new[] { "s0__to__s1: s0 s1 <- ", "s2__to__s3: s2 s3 <- s0__to__s1", "s4: s4 <- s2__to__s3" }));
    }

    [Test]
    public void The_memory_budget_starts_a_new_group_when_too_many_tables_would_be_held_at_once()
    {
        // a, b and c are all read by the last step: three tables held at once.
        var steps = new[] { Step("a"), Step("b", "a"), Step("c", "b"), Step("all", "a", "b", "c") };

        Assert.That(StepGrouping.PeakTablesInMemory(["a", "b", "c", "all"], steps.ToDictionary(s => s.Id)), Is.EqualTo(3));
        Assert.That(StepGrouping.Fused(steps, new GroupingRules { MaxTablesInMemory = 3 }), Has.Count.EqualTo(1));
        Assert.That(Describe(StepGrouping.Fused(steps, new GroupingRules { MaxTablesInMemory = 2 })),
            Is.EqualTo(new[] { "a__to__c: a b c <- ", "all: all <- a__to__c" }));
    }

    [Test]
    public void A_composed_task_id_that_a_step_already_uses_gets_a_suffix()
    {
        var groups = StepGrouping.Fused([Step("a"), Step("b", "a"), Step("a__to__b", [], "load.postgres")]);

        Assert.That(groups.Select(g => g.TaskId), Is.EquivalentTo(new[] { "a__to__b_2", "a__to__b" }));
    }

    [Test]
    public void Per_step_execution_keeps_one_task_per_step()
    {
        var groups = StepGrouping.PerStep([Step("read"), Step("clean", "read")]);

        Assert.That(Describe(groups), Is.EqualTo(new[] { "read: read <- ", "clean: clean <- read" }));
    }

    [TestCase("fused", "read__to__clean: read clean <- ")]
    [TestCase("per-step", "read: read <- |clean: clean <- read")]
    [TestCase(null, "read: read <- |clean: clean <- read")]
    public void The_execution_mode_chooses_the_tasks_and_a_workflow_without_one_runs_per_step(string? execution, string expected)
    {
        var spec = new WorkflowSpec { Execution = execution, Tasks = [Step("read"), Step("clean", "read")] };

        Assert.That(string.Join('|', Describe(StepGrouping.Of(spec))), Is.EqualTo(expected));
    }

    private static WorkflowTask Step(string id, params string[] dependsOn) => Step(id, dependsOn, "transform.clean");

    private static WorkflowTask Step(string id, string[] dependsOn, string type = "transform.clean") =>
        new() { Id = id, Type = type, DependsOn = dependsOn };

    private static List<string> Describe(IReadOnlyList<StepGroup> groups) =>
        [.. groups.Select(g => $"{g.TaskId}: {string.Join(' ', g.Steps)} <- {string.Join(' ', g.Upstream)}")];
}
