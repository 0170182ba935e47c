namespace WorkflowControl.Core.Workflows;

/// <summary>
/// Steps that run as one Airflow task, in order, handing intermediate results over in memory.
/// </summary>
/// <param name="TaskId">The Airflow task id: the step's id for a single step, <c>first__to__last</c> otherwise.</param>
/// <param name="Steps">The steps in the order they run (each after its upstream steps).</param>
/// <param name="Upstream">Task ids of the other groups whose results this group reads.</param>
public sealed record StepGroup(string TaskId, IReadOnlyList<string> Steps, IReadOnlyList<string> Upstream)
{
    public bool IsSingleStep => Steps.Count == 1;
}

/// <summary>Where fused execution must cut a workflow into separate Airflow tasks.</summary>
public sealed record GroupingRules
{
    /// <summary>Step types that always run as their own task: they write to the outside world, so each needs its own
    /// retry and a failure must not repeat the steps before it.</summary>
    public static readonly IReadOnlySet<string> IsolatedTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "load.postgres", "load.batch", "load.incremental", "utility.notify",
    };

    /// <summary>At most this many steps share one task, so a retry never repeats a long pipeline.</summary>
    public int MaxStepsPerGroup { get; init; } = 12;

    /// <summary>
    /// The memory budget: at most this many intermediate tables may be held at once inside a group (a table stays in
    /// memory until the last step of the group that reads it has run).
    /// </summary>
    public int MaxTablesInMemory { get; init; } = 4;

    public static GroupingRules Default { get; } = new();
}

/// <summary>
/// Fused execution's plan: the fewest Airflow tasks such that each group is a connected part of the graph run in one
/// process. A pure function of the steps and the rules.
/// </summary>
public static class StepGrouping
{
    /// <summary>
    /// The Airflow tasks a workflow's DAG file has: fused groups when <see cref="WorkflowSpec.Execution"/> is fused,
    /// otherwise one task per step. The renderer writes them and the API maps a run's tasks back to steps with them.
    /// </summary>
    public static IReadOnlyList<StepGroup> Of(WorkflowSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return ExecutionModes.IsFused(spec) ? Fused(spec.Tasks) : PerStep(spec.Tasks);
    }

    /// <summary>Every step its own task: per-step execution, and steps that opt out.</summary>
    public static IReadOnlyList<StepGroup> PerStep(IReadOnlyList<WorkflowTask> tasks) =>
        [.. WorkflowGraph.TopologicalOrder(tasks).Select(t => new StepGroup(t.Id, [t.Id], [.. t.DependsOn]))];

    /// <summary>
    /// Groups the steps in dependency order. A step joins the group of one of its upstream steps unless it must run
    /// alone (an isolated type, or marked <see cref="WorkflowTask.OwnTask"/>), that group runs alone, is full, would
    /// exceed the memory budget, or would then have to wait for a group that waits for it. Results read by another
    /// group cross the boundary through storage, as in per-step execution.
    /// </summary>
    public static IReadOnlyList<StepGroup> Fused(IReadOnlyList<WorkflowTask> tasks, GroupingRules? rules = null)
    {
        rules ??= GroupingRules.Default;
        var ordered = WorkflowGraph.TopologicalOrder(tasks);
        var byId = ordered.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var groups = new List<Draft>();
        var groupOf = new Dictionary<string, Draft>(StringComparer.Ordinal);
        foreach (var task in ordered)
        {
            var upstreamGroups = task.DependsOn.Select(d => groupOf[d]).Distinct().ToList();
            var joined = Alone(task) ? null : upstreamGroups.FirstOrDefault(g => CanJoin(g, task, upstreamGroups, byId, rules));
            if (joined is null)
            {
                joined = new Draft(Alone(task));
                groups.Add(joined);
            }

            joined.Steps.Add(task.Id);
            foreach (var other in upstreamGroups.Where(g => g != joined))
            {
                joined.Upstream.Add(other);
            }

            groupOf[task.Id] = joined;
        }

        var ids = new HashSet<string>(byId.Keys, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            group.TaskId = group.Steps.Count == 1 ? group.Steps[0] : UniqueId($"{group.Steps[0]}__to__{group.Steps[^1]}", ids);
        }

        return [.. groups.Select(g => new StepGroup(g.TaskId, [.. g.Steps], [.. g.Upstream.Select(u => u.TaskId).Order(StringComparer.Ordinal)]))];
    }

    private static bool Alone(WorkflowTask task) => task.OwnTask || GroupingRules.IsolatedTypes.Contains(task.Type);

    private static bool CanJoin(Draft group, WorkflowTask task, List<Draft> upstreamGroups, Dictionary<string, WorkflowTask> byId, GroupingRules rules) =>
        !group.Isolated
        && group.Steps.Count < rules.MaxStepsPerGroup
        // The group would wait for the others; none of them may wait for it.
        && upstreamGroups.Where(g => g != group).All(other => !DependsOn(other, group))
        && PeakTablesInMemory([.. group.Steps, task.Id], byId) <= rules.MaxTablesInMemory;

    private static bool DependsOn(Draft group, Draft on)
    {
        var seen = new HashSet<Draft>();
        var pending = new Stack<Draft>([group]);
        while (pending.TryPop(out var current))
        {
            if (current == on)
            {
                return true;
            }

            foreach (var upstream in current.Upstream.Where(seen.Add))
            {
                pending.Push(upstream);
            }
        }

        return false;
    }

    /// <summary>The most intermediate tables held at once when <paramref name="steps"/> run in this order.</summary>
    internal static int PeakTablesInMemory(IReadOnlyList<string> steps, IReadOnlyDictionary<string, WorkflowTask> byId)
    {
        var position = steps.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var lastRead = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            foreach (var upstream in byId[step].DependsOn.Where(position.ContainsKey))
            {
                lastRead[upstream] = Math.Max(lastRead.GetValueOrDefault(upstream), position[step]);
            }
        }

        var peak = 0;
        for (var i = 0; i < steps.Count; i++)
        {
            // Tables produced before step i that a step at i or later still reads.
            var live = lastRead.Count(r => position[r.Key] < i && r.Value >= i);
            peak = Math.Max(peak, live);
        }

        return peak;
    }

    private static string UniqueId(string id, HashSet<string> taken)
    {
        var candidate = id;
        for (var n = 2; !taken.Add(candidate); n++)
        {
            candidate = $"{id}_{n}";
        }

        return candidate;
    }

    private sealed class Draft(bool isolated)
    {
        public bool Isolated { get; } = isolated;

        public List<string> Steps { get; } = [];

        public HashSet<Draft> Upstream { get; } = [];

        public string TaskId { get; set; } = "";
    }
}
