namespace WorkflowControl.Core.Workflows;

/// <summary>Pure graph decisions over the tasks of a workflow.</summary>
public static class WorkflowGraph
{
    /// <summary>
    /// The task ids of one dependency cycle in order (first id repeated at the end), or null when the graph is acyclic.
    /// Dependencies on unknown ids are ignored here; they are reported as dangling elsewhere.
    /// </summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyList<WorkflowTask> tasks) =>
        FindCycle(tasks.GroupBy(t => t.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().DependsOn, StringComparer.Ordinal));

    /// <summary>The same check over each task id's dependencies; the one cycle check of the workflow model.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, IReadOnlyList<string>> dependsOn)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();

        foreach (var start in dependsOn.Keys)
        {
            if (Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        // Iterative depth-first search: a 10,000-task chain must not overflow the stack.
        IReadOnlyList<string>? Visit(string root)
        {
            if (state.ContainsKey(root))
            {
                return null;
            }

            var stack = new Stack<(string Id, int Next)>();
            stack.Push((root, 0));
            state[root] = 1;
            path.Add(root);
            while (stack.Count > 0)
            {
                var (id, next) = stack.Pop();
                var edges = dependsOn[id];
                if (next < edges.Count)
                {
                    stack.Push((id, next + 1));
                    var dep = edges[next];
                    if (!dependsOn.ContainsKey(dep))
                    {
                        continue;
                    }

                    if (state.TryGetValue(dep, out var s))
                    {
                        if (s == 1)
                        {
                            var from = path.IndexOf(dep);
                            return [.. path.Skip(from), dep];
                        }

                        continue;
                    }

                    state[dep] = 1;
                    path.Add(dep);
                    stack.Push((dep, 0));
                }
                else
                {
                    state[id] = 2;
                    path.RemoveAt(path.Count - 1);
                }
            }

            return null;
        }
    }

    /// <summary>Tasks ordered so that every task comes after the tasks it depends on (stable for ties).</summary>
    public static IReadOnlyList<WorkflowTask> TopologicalOrder(IReadOnlyList<WorkflowTask> tasks)
    {
        var index = tasks.Select((t, i) => (t.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var remaining = tasks.Select(t => t.DependsOn.Count(index.ContainsKey)).ToArray();
        var dependents = tasks.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < tasks.Count; i++)
        {
            foreach (var dep in tasks[i].DependsOn.Where(index.ContainsKey))
            {
                dependents[index[dep]].Add(i);
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < tasks.Count; i++)
        {
            if (remaining[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<WorkflowTask>(tasks.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            order.Add(tasks[i]);
            foreach (var d in dependents[i])
            {
                if (--remaining[d] == 0)
                {
                    ready.Enqueue(d, d);
                }
            }
        }

        if (order.Count != tasks.Count)
        {
            throw new InvalidOperationException("the workflow has a dependency cycle");
        }

        return order;
    }
}
