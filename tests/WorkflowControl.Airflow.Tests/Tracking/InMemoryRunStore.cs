using System.Text.Json.Nodes;
using WorkflowControl.Airflow.Tracking;

namespace WorkflowControl.Airflow.Tests.Tracking;

/// <summary>What the API's PostgreSQL store does, in memory: states by run, applied atomically per cycle.</summary>
public sealed class InMemoryRunStore : IRunStore, IRunNotifier
{
    private readonly Lock _lock = new();

    public Dictionary<RunKey, (string State, JsonObject? Conf)> Runs { get; } = [];

    public HashSet<string> TrackedDags { get; } = [];

    public List<RunChange> Notified { get; } = [];

    public List<TaskChange> NotifiedTasks { get; } = [];

    public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(string dagId, string runId, string state, JsonObject? conf = null)
    {
        lock (_lock)
        {
            Runs[new RunKey(dagId, runId)] = (state, conf);
            TrackedDags.Add(dagId);
        }
    }

    public string StateOf(string dagId, string runId)
    {
        lock (_lock)
        {
            return Runs[new RunKey(dagId, runId)].State;
        }
    }

    public Task<IReadOnlyList<TrackedRun>> GetActiveRunsAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TrackedRun>>([.. Runs
                .Where(r => r.Value.State is TrackedRunStates.Pending or AirflowRunStates.Queued or AirflowRunStates.Running)
                .Select(r => new TrackedRun(r.Key, r.Value.State, r.Value.Conf))]);
        }
    }

    public Task<IReadOnlyCollection<string>> GetTrackedDagIdsAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyCollection<string>>([.. TrackedDags]);
        }
    }

    public Task<IReadOnlyDictionary<RunKey, string>> GetKnownStatesAsync(IReadOnlyCollection<RunKey> runs, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyDictionary<RunKey, string>>(
                runs.Where(Runs.ContainsKey).ToDictionary(k => k, k => Runs[k].State));
        }
    }

    public Task SaveAsync(RunPollResult result, CancellationToken ct)
    {
        lock (_lock)
        {
            foreach (var change in result.Runs)
            {
                Runs[change.Key] = (change.NewState, Runs.GetValueOrDefault(change.Key).Conf);
            }
        }

        return Task.CompletedTask;
    }

    public Task NotifyAsync(RunPollResult result, CancellationToken ct)
    {
        lock (_lock)
        {
            Notified.AddRange(result.Runs);
            NotifiedTasks.AddRange(result.Tasks);
            var changed = Changed;
            Changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.SetResult();
        }

        return Task.CompletedTask;
    }
}
