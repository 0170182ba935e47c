using Microsoft.Extensions.Time.Testing;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

public sealed class FleetRerenderTests
{
    [Test]
    public async Task Rerendering_the_fleet_counts_changed_unchanged_and_failed_files()
    {
        var root = Directory.CreateTempSubdirectory("wfc-fleet-");
        try
        {
            var writer = new DagFileWriter(new DagPaths(root.FullName), new FakeTimeProvider());
            var fleet = new FleetRerender(new DagPublisher(new DagRenderer(), writer));
            var good = GoldenCases.Load("004-analysis-and-reporting");
            var items = Enumerable.Range(1, 40)
                .Select(i => new FleetItem(Guid.NewGuid(), new DagOwner(Guid.Parse($"00000000-0000-0000-0000-{i % 3 + 1:D12}"), "Owner " + (i % 3)), 1, good))
                .ToList();
            var broken = items[7] with { Document = good with { Metadata = good.Metadata with { Name = "NUL\0" } } };
            items[7] = broken;

            var first = fleet.Run(items);
            Assert.That(first with { Failures = [], Rewrites = [] }, Is.EqualTo(new FleetRerenderResult(40, 39, 0, 1, [], [])));
            Assert.That(first.Rewrites.Select(r => r.WorkflowId), Is.EquivalentTo(items.Where(i => i != broken).Select(i => i.WorkflowId)));
            Assert.That(first.Failures.Single().WorkflowId, Is.EqualTo(broken.WorkflowId));
            Assert.That(first.Failures.Single().Message, Does.Contain("/metadata/name"));
            Assert.That(Directory.GetFiles(root.FullName, "*.py", SearchOption.AllDirectories), Has.Length.EqualTo(39));
            Assert.That(Directory.GetDirectories(Path.Combine(root.FullName, "users")), Has.Length.EqualTo(3), "one folder per owner");

            items[3] = items[3] with { Version = 2 };
            var second = await fleet.RunAsync(items.ToAsyncEnumerable());
            Assert.That(second with { Failures = [], Rewrites = [] }, Is.EqualTo(new FleetRerenderResult(40, 1, 38, 1, [], [])), "only the re-versioned workflow changed");
            Assert.That(second.Rewrites.Single(), Is.EqualTo(new FleetRewrite(items[3].WorkflowId, 2, second.Rewrites.Single().ContentHash, null)), "folder delivery has no commit");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
