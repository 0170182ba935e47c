using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AirflowTrackingBench;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;

// Tracking N active runs against a stub Airflow 3.x in a child process:
//   dotnet run -c Release --project bench/airflow_tracking [-- runs=5000 dags=50 watched=20 cycles=10 seconds=30 interval=2]
var options = args.Where(a => a.Contains('=', StringComparison.Ordinal)).Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var runs = Option("runs", 5000);
var dags = Option("dags", 50);

if (args.FirstOrDefault() == "stub")
{
    await StubAirflow.RunAsync(Option("port", 0), runs, dags);
    return;
}

var watchedCount = Option("watched", 20);
var cycles = Option("cycles", 10);
var seconds = Option("seconds", 30);
var interval = TimeSpan.FromSeconds(Option("interval", 2));

var port = FreePort();
// The stub runs in a child process (this program with "stub"), so CPU and memory below are the tracker's alone.
var viaDotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet";
var stubArgs = $"stub port={port} runs={runs} dags={dags}";
using var stub = Process.Start(new ProcessStartInfo(
    Environment.ProcessPath!, viaDotnet ? $"\"{typeof(Program).Assembly.Location}\" {stubArgs}" : stubArgs)
{
    UseShellExecute = false,
})!;
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
await WaitForStub(http);
try
{
    var store = new BenchStore(runs, dags);
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Airflow:BaseUrl"] = http.BaseAddress!.ToString(), ["Airflow:Username"] = "admin", ["Airflow:Password"] = "admin", ["Airflow:ApiVersion"] = "V2",
        ["Airflow:Tracking:PollInterval"] = interval.ToString(),
    }).Build();
    var services = new ServiceCollection();
    services.AddLogging();
    services.AddAirflowClient(configuration).AddAirflowRunTracking(configuration);
    services.AddSingleton<IRunStore>(store).AddSingleton<IRunNotifier>(store);
    await using var provider = services.BuildServiceProvider();
    var watch = provider.GetRequiredService<IRunWatchList>();
    for (var i = 0; i < watchedCount; i++)
    {
        await watch.WatchAsync($"bench-{i}", new RunKey($"wf_{i % dags:D3}", $"run_{i:D5}"));
    }

    var engine = provider.GetRequiredService<RunTrackingEngine>();
    await engine.PollOnceAsync(); // warm-up: JIT, token, task snapshots

    // 1. Back-to-back cycles: requests, wall time and CPU per cycle.
    var me = Process.GetCurrentProcess();
    var cpuBefore = me.TotalProcessorTime;
    var requestsBefore = await Requests(http);
    var wall = Stopwatch.StartNew();
    var perCycleRequests = new List<int>();
    for (var c = 0; c < cycles; c++)
    {
        perCycleRequests.Add((await engine.PollOnceAsync()).AirflowRequests);
    }

    wall.Stop();
    me.Refresh();
    var cpu = me.TotalProcessorTime - cpuBefore;
    var requestsOnWire = await Requests(http) - requestsBefore;
    GC.Collect();
    var heapMb = GC.GetTotalMemory(true) / 1024.0 / 1024.0;
    var workingSetMb = me.WorkingSet64 / 1024.0 / 1024.0;

    // 2. The hosted tracker at its poll interval: delay from a state change in Airflow to the notification.
    var tracker = provider.GetRequiredService<RunTracker>();
    await tracker.StartAsync(CancellationToken.None);
    var random = new Random(42);
    var delays = new List<double>();
    var deadline = Stopwatch.StartNew();
    var next = watchedCount;
    while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
    {
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 1500)));
        var key = new RunKey($"wf_{next % dags:D3}", $"run_{next:D5}");
        next++;
        var changedAt = Stopwatch.GetTimestamp();
        (await http.PostAsync(new Uri($"/control/finish/{key.DagId}/{key.DagRunId}", UriKind.Relative), null)).EnsureSuccessStatusCode();
        var notified = await store.WaitForChange(key, TimeSpan.FromSeconds(30));
        delays.Add(Stopwatch.GetElapsedTime(changedAt, notified).TotalMilliseconds);
    }

    await tracker.StopAsync(CancellationToken.None);
    delays.Sort();

    Console.WriteLine($"runs={runs} dags={dags} watched={watchedCount} cycles={cycles} pollInterval={interval.TotalSeconds}s cores={Environment.ProcessorCount}");
    Console.WriteLine($"Airflow requests per poll: {perCycleRequests.Average():F1} (engine count), {requestsOnWire / (double)cycles:F1} (on the wire)");
    Console.WriteLine($"cycle wall time: {wall.Elapsed.TotalMilliseconds / cycles:F0} ms; tracker CPU per cycle: {cpu.TotalMilliseconds / cycles:F0} ms");
    Console.WriteLine($"tracker memory: managed heap {heapMb:F1} MiB, working set {workingSetMb:F0} MiB");
    Console.WriteLine($"state change -> notification ({delays.Count} changes): median {delays[delays.Count / 2]:F0} ms, p95 {delays[(int)(delays.Count * 0.95)]:F0} ms, max {delays[^1]:F0} ms");
}
finally
{
    stub.Kill();
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForStub(HttpClient http)
{
    for (var i = 0; i < 200; i++)
    {
        try
        {
            (await http.GetAsync(new Uri("/api/v2/version", UriKind.Relative))).EnsureSuccessStatusCode();
            return;
        }
        catch (HttpRequestException)
        {
            await Task.Delay(100);
        }
    }

    throw new InvalidOperationException("stub Airflow did not start");
}

static async Task<long> Requests(HttpClient http) =>
    long.Parse(await http.GetStringAsync(new Uri("/control/requests", UriKind.Relative)), CultureInfo.InvariantCulture);

/// <summary>The store the API would implement, in memory; records when each change was notified.</summary>
internal sealed class BenchStore : IRunStore, IRunNotifier
{
    private readonly ConcurrentDictionary<RunKey, string> _states = new();
    private readonly ConcurrentDictionary<RunKey, TaskCompletionSource<long>> _waiters = new();
    private readonly string[] _dagIds;

    public BenchStore(int runs, int dags)
    {
        for (var i = 0; i < runs; i++)
        {
            _states[new RunKey($"wf_{i % dags:D3}", $"run_{i:D5}")] = "running";
        }

        _dagIds = [.. Enumerable.Range(0, dags).Select(d => $"wf_{d:D3}")];
    }

    public Task<IReadOnlyList<TrackedRun>> GetActiveRunsAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<TrackedRun>>([.. _states.Where(s => s.Value is "queued" or "running").Select(s => new TrackedRun(s.Key, s.Value))]);

    public Task<IReadOnlyCollection<string>> GetTrackedDagIdsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyCollection<string>>(_dagIds);

    public Task<IReadOnlyDictionary<RunKey, string>> GetKnownStatesAsync(IReadOnlyCollection<RunKey> runs, CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<RunKey, string>>(runs.Where(_states.ContainsKey).ToDictionary(k => k, k => _states[k]));

    public Task SaveAsync(RunPollResult result, CancellationToken ct)
    {
        foreach (var change in result.Runs)
        {
            _states[change.Key] = change.NewState;
        }

        return Task.CompletedTask;
    }

    public Task NotifyAsync(RunPollResult result, CancellationToken ct)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var change in result.Runs)
        {
            _waiters.GetOrAdd(change.Key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(now);
        }

        return Task.CompletedTask;
    }

    public Task<long> WaitForChange(RunKey key, TimeSpan timeout) =>
        _waiters.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(timeout);
}
