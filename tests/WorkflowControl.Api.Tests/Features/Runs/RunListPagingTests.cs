using WorkflowControl.Api.Features.Runs;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>Pages of Airflow's runs merged with the runs Airflow does not have: every run once, in time order, on every page size.</summary>
public sealed class RunListPagingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Paging_through_the_merged_list_yields_each_run_once_in_time_order(int seed)
    {
        var random = new Random(seed);
        // Hours with ties between the two lists on purpose (Airflow's run first), and local runs older and newer than all of Airflow's.
        var airflow = Enumerable.Range(0, random.Next(0, 15)).Select(i => (At: (DateTimeOffset?)T0.AddHours(random.Next(0, 12)), Item: $"a{i}"))
            .OrderByDescending(r => r.At).ToList();
        var local = Enumerable.Range(0, random.Next(0, 6)).Select(i => (At: T0.AddHours(random.Next(-2, 14)), Item: $"p{i}"))
            .OrderByDescending(r => r.At).ToList();
        var expected = airflow.Select(a => (At: a.At!.Value, Rank: 0, a.Item)).Concat(local.Select(l => (l.At, Rank: 1, l.Item)))
            .OrderByDescending(r => r.At).ThenBy(r => r.Rank).Select(r => r.Item).ToList();

        foreach (var limit in new[] { 1, 2, 3, 4, 7, 50 })
        {
            var seen = new List<string>();
            for (var offset = 0; offset < expected.Count + limit; offset += limit)
            {
                var start = RunListPaging.AirflowWindowStart(offset, local.Count);
                var window = airflow.Skip(start).Take(offset + limit - start).ToList();
                seen.AddRange(RunListPaging.Page(window, start, local.Take(offset + limit).ToList(), offset, limit));
            }

            Assert.That(seen, Is.EqualTo(expected), $"pages of {limit}");
        }
    }

    [Test]
    public void An_Airflow_run_without_a_time_comes_before_every_local_run_as_Airflow_lists_it()
    {
        var page = RunListPaging.Page([((DateTimeOffset?)null, "a0"), (T0, "a1")], 0, [(T0.AddHours(1), "p0")], 0, 10);

        Assert.That(page, Is.EqualTo(new[] { "a0", "p0", "a1" }));
    }
}
