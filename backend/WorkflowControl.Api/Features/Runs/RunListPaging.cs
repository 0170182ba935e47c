namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// Pages of a workflow's run list, which merges two lists that are each newest first: Airflow's runs (paged by Airflow,
/// ordered by <see cref="WorkflowControl.Airflow.AirflowDagRun.ListedAt"/>) and the runs Airflow does not have (pending, or
/// refused for good, by creation time). Every run appears exactly once, in time order, whichever page it falls on.
/// At equal times Airflow's run comes first. Pure: the endpoint fetches, this decides.
/// </summary>
public static class RunListPaging
{
    /// <summary>
    /// Where the window of Airflow's runs for a page starts: Airflow's run at index i sits between i and i + <paramref name="localCount"/>
    /// in the merged list, so a page from <paramref name="offset"/> needs Airflow's runs from offset - localCount on.
    /// </summary>
    public static int AirflowWindowStart(int offset, int localCount) => Math.Max(0, offset - localCount);

    /// <summary>
    /// The merged items at positions [<paramref name="offset"/>, offset + <paramref name="limit"/>).
    /// <paramref name="airflow"/> is Airflow's list from index <paramref name="windowStart"/>, up to offset + limit or Airflow's end;
    /// <paramref name="local"/> is the newest local runs, at least the first offset + limit of them.
    /// </summary>
    public static IReadOnlyList<T> Page<T>(
        IReadOnlyList<(DateTimeOffset? At, T Item)> airflow, int windowStart, IReadOnlyList<(DateTimeOffset At, T Item)> local, int offset, int limit)
    {
        var placed = new List<(int Position, T Item)>();
        for (var k = 0; k < airflow.Count; k++)
        {
            placed.Add((windowStart + k + local.Count(l => Newer(l.At, airflow[k].At)), airflow[k].Item));
        }

        for (var j = 0; j < local.Count; j++)
        {
            // Newer than the window's first run (or no window at all past the start): the local run sits before this page,
            // somewhere among Airflow's runs this request did not fetch.
            if (windowStart > 0 && (airflow.Count == 0 || Newer(local[j].At, airflow[0].At)))
            {
                continue;
            }

            // Every Airflow run before the window is before this one too; from the window, those not older than it.
            placed.Add((j + windowStart + airflow.Count(a => !Newer(local[j].At, a.At)), local[j].Item));
        }

        return [.. placed.Where(p => p.Position >= offset && p.Position < offset + limit).OrderBy(p => p.Position).Select(p => p.Item)];
    }

    /// <summary>Whether a local run comes before an Airflow run; an Airflow run without a time sorts first, as Airflow lists it.</summary>
    private static bool Newer(DateTimeOffset local, DateTimeOffset? airflow) => airflow is { } at && local > at;
}
