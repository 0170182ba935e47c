namespace WorkflowControl.Airflow.Tracking;

/// <summary>In-memory <see cref="IRunWatchList"/> for a single process (the API keeps its list in PostgreSQL).</summary>
public sealed class RunWatchList : IRunWatchList
{
    private readonly Dictionary<string, HashSet<RunKey>> _byWatcher = [];
    private readonly Lock _lock = new();

    public Task<IReadOnlyCollection<RunKey>> WatchedAsync(CancellationToken ct = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyCollection<RunKey>>(_byWatcher.Values.SelectMany(runs => runs).ToHashSet());
        }
    }

    public Task WatchAsync(string watcher, RunKey run, CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (!_byWatcher.TryGetValue(watcher, out var runs))
            {
                _byWatcher[watcher] = runs = [];
            }

            runs.Add(run);
        }

        return Task.CompletedTask;
    }

    public Task ForgetAsync(string watcher, CancellationToken ct = default)
    {
        lock (_lock)
        {
            _byWatcher.Remove(watcher);
        }

        return Task.CompletedTask;
    }

    /// <summary>Watches <paramref name="run"/> as an anonymous watcher until the result is disposed.</summary>
    public IDisposable Watch(RunKey run)
    {
        var watcher = Guid.NewGuid().ToString("N");
        _ = WatchAsync(watcher, run);
        return new Watcher(this, watcher);
    }

    private sealed class Watcher(RunWatchList list, string watcher) : IDisposable
    {
        public void Dispose() => _ = list.ForgetAsync(watcher);
    }
}
