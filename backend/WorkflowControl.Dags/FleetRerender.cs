using System.Collections.Concurrent;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags;

/// <summary>One deployed workflow version to re-render.</summary>
public sealed record FleetItem(Guid WorkflowId, DagOwner Owner, int Version, WorkflowDocument Document);

/// <summary>A workflow that could not be re-rendered; its previous file is untouched.</summary>
public sealed record FleetFailure(Guid WorkflowId, string Message);

/// <summary>A workflow whose file changed: what its deployment now points at (<paramref name="Commit"/> with git delivery).</summary>
public sealed record FleetRewrite(Guid WorkflowId, int Version, string ContentHash, string? Commit);

/// <summary>
/// Counts of a fleet re-render. <see cref="Failures"/> lists at most <see cref="FleetRerender.MaxListedFailures"/>;
/// <see cref="Rewrites"/> lists every changed file, so the deployments can be brought up to date.
/// </summary>
public sealed record FleetRerenderResult(int Total, int Changed, int Unchanged, int Failed, IReadOnlyList<FleetFailure> Failures, IReadOnlyList<FleetRewrite> Rewrites);

/// <summary>
/// Re-renders every deployed workflow, e.g. after a template change, and reports how many files changed.
/// Workflows are independent: one that fails is counted and the rest go on.
/// </summary>
public sealed class FleetRerender(DagPublisher publisher)
{
    public const int MaxListedFailures = 100;

    public FleetRerenderResult Run(IEnumerable<FleetItem> items, int maxDegreeOfParallelism = -1)
    {
        var tally = new Tally();
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, item => tally.Add(publisher, item));
        return tally.Result();
    }

    public async Task<FleetRerenderResult> RunAsync(IAsyncEnumerable<FleetItem> items, CancellationToken ct = default)
    {
        var tally = new Tally();
        var options = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        await Parallel.ForEachAsync(items, options, (item, _) =>
        {
            tally.Add(publisher, item);
            return ValueTask.CompletedTask;
        });
        return tally.Result();
    }

    private sealed class Tally
    {
        private readonly ConcurrentQueue<FleetFailure> _failures = new();
        private readonly ConcurrentQueue<FleetRewrite> _rewrites = new();
        private int _total;
        private int _changed;
        private int _failed;

        public void Add(DagPublisher publisher, FleetItem item)
        {
            Interlocked.Increment(ref _total);
            try
            {
                var published = publisher.Publish(item.Document, item.WorkflowId, item.Owner, item.Version);
                if (published.Changed)
                {
                    Interlocked.Increment(ref _changed);
                    _rewrites.Enqueue(new FleetRewrite(item.WorkflowId, item.Version, published.ContentHash, published.Commit));
                }
            }
            catch (Exception e) when (e is DagRenderException or DagRepositoryException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                if (Interlocked.Increment(ref _failed) <= MaxListedFailures)
                {
                    _failures.Enqueue(new FleetFailure(item.WorkflowId, e.Message));
                }
            }
        }

        public FleetRerenderResult Result() =>
            new(_total, _changed, _total - _changed - _failed, _failed, [.. _failures], [.. _rewrites]);
    }
}
