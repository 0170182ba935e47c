namespace WorkflowControl.Airflow.Tracking;

/// <summary>In-memory, reference-counted <see cref="IRunWatchList"/> (per API instance).</summary>
public sealed class RunWatchList : IRunWatchList
{
    private readonly Dictionary<RunKey, int> _counts = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<RunKey> Watched
    {
        get
        {
            lock (_lock)
            {
                return [.. _counts.Keys];
            }
        }
    }

    public IDisposable Watch(RunKey run)
    {
        lock (_lock)
        {
            _counts[run] = _counts.GetValueOrDefault(run) + 1;
        }

        return new Watcher(this, run);
    }

    private void Release(RunKey run)
    {
        lock (_lock)
        {
            if (_counts.TryGetValue(run, out var count) && count > 1)
            {
                _counts[run] = count - 1;
            }
            else
            {
                _counts.Remove(run);
            }
        }
    }

    private sealed class Watcher(RunWatchList list, RunKey run) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                list.Release(run);
            }
        }
    }
}
