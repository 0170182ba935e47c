using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Airflow;

/// <summary>
/// Coalesces reads of runs, task instances and log pages: concurrent readers of the same thing share one request
/// (single flight), and its answer serves every reader for <see cref="AirflowOptions.ReadCacheDuration"/>. Twenty people
/// watching a run cost Airflow what one does. Writes never go through here.
/// </summary>
public sealed class AirflowReadCache(IAirflowClient airflow, TimeProvider time, IOptions<AirflowOptions> options)
{
    private const int PurgeAbove = 1000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public Task<AirflowDagRun?> GetDagRunAsync(string dagId, string dagRunId, CancellationToken ct = default) =>
        GetAsync($"run\n{dagId}\n{dagRunId}", () => airflow.GetDagRunAsync(dagId, dagRunId, CancellationToken.None), ct);

    public Task<IReadOnlyList<AirflowTaskInstance>> ListTaskInstancesAsync(string dagId, string dagRunId, CancellationToken ct = default) =>
        GetAsync($"tasks\n{dagId}\n{dagRunId}", () => airflow.ListTaskInstancesAsync(dagId, dagRunId, CancellationToken.None), ct);

    public Task<AirflowLogChunk> GetTaskLogAsync(string dagId, string dagRunId, string taskId, int tryNumber, string? continuationToken, CancellationToken ct = default) =>
        GetAsync($"log\n{dagId}\n{dagRunId}\n{taskId}\n{tryNumber}\n{continuationToken}",
            () => airflow.GetTaskLogAsync(dagId, dagRunId, taskId, tryNumber, continuationToken, CancellationToken.None), ct);

    private async Task<T> GetAsync<T>(string key, Func<Task<T>> load, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var lifetime = options.Value.ReadCacheDuration;
        // The load runs once per entry (Lazy) and on no caller's token: one reader giving up does not fail the others.
        var entry = _entries.AddOrUpdate(
            key,
            _ => new Entry(new Lazy<Task<object?>>(() => Box(load)), now + lifetime),
            (_, old) => old.Fresh(now) ? old : new Entry(new Lazy<Task<object?>>(() => Box(load)), now + lifetime));
        if (_entries.Count > PurgeAbove)
        {
            Purge(now);
        }

        return (T)(await entry.Value.Value.WaitAsync(ct).ConfigureAwait(false))!;
    }

    private static async Task<object?> Box<T>(Func<Task<T>> load) => await load().ConfigureAwait(false);

    private void Purge(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (!entry.Fresh(now))
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed record Entry(Lazy<Task<object?>> Value, DateTimeOffset Expires)
    {
        // A failure is shared by the readers that were waiting for it, never served to later ones.
        public bool Fresh(DateTimeOffset now) => Expires > now && !(Value.IsValueCreated && Value.Value.IsFaulted);
    }
}
