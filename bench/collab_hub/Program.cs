// Collaboration hub load: editors connected over WebSockets to a running API send operations; the time from one
// editor's Apply to the moment the last editor of that workflow received it is the operation-to-everyone latency.
// Usage: dotnet run -c Release --project bench/collab_hub -- <api url> <api pid> [seconds]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

var api = new Uri(args[0]);
var apiPid = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20;
using var http = new HttpClient { BaseAddress = api };

var users = new List<(string Email, string Token)>();
for (var i = 0; i < 50; i++)
{
    var email = $"editor{i}-{Guid.NewGuid():N}@example.com";
    var signup = await http.PostAsJsonAsync("/auth/signup", new { email, password = "benchmark password", displayName = $"Editor {i}" });
    users.Add((email, (await signup.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!));
}

await RunAsync("50 editors on one workflow, each sending one operation per second", workflows: 1, editorsPerWorkflow: 50, opsPerEditorPerSecond: 1.0, cursorsPerSecond: 0);
await RunAsync("the same with every editor also moving the pointer twice per second", workflows: 1, editorsPerWorkflow: 50, opsPerEditorPerSecond: 1.0, cursorsPerSecond: 2);
await RunAsync("500 connections across 50 workflows (10 editors each), one operation per editor every 2 s", workflows: 50, editorsPerWorkflow: 10, opsPerEditorPerSecond: 0.5, cursorsPerSecond: 0);
return 0;

async Task RunAsync(string title, int workflows, int editorsPerWorkflow, double opsPerEditorPerSecond, int cursorsPerSecond)
{
    Console.WriteLine($"== {title}, {seconds} s, cursors {cursorsPerSecond}/s per editor");
    var owner = users[0];
    var ids = new List<Guid>();
    for (var w = 0; w < workflows; w++)
    {
        ids.Add(await CreateSharedWorkflowAsync(owner.Token, w, editorsPerWorkflow));
    }

    var clock = Stopwatch.StartNew();
    var inFlight = new ConcurrentDictionary<(Guid, string, long), (double SentMs, int Remaining)>();
    var latencies = new ConcurrentBag<double>();
    var roundTrips = new ConcurrentBag<double>();
    var editors = new List<(HubConnection Hub, Guid Workflow, string ClientId)>();
    for (var w = 0; w < workflows; w++)
    {
        for (var e = 0; e < editorsPerWorkflow; e++)
        {
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(api, "hubs/workflows"), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    var token = users[e % users.Count].Token;
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .Build();
            hub.On<JsonElement>("operationApplied", applied =>
            {
                var key = (applied.GetProperty("workflowId").GetGuid(), applied.GetProperty("clientId").GetString()!, applied.GetProperty("seq").GetInt64());
                var now = clock.Elapsed.TotalMilliseconds;
                while (inFlight.TryGetValue(key, out var entry))
                {
                    var next = entry with { Remaining = entry.Remaining - 1 };
                    if (next.Remaining == 0 ? inFlight.TryRemove(new KeyValuePair<(Guid, string, long), (double, int)>(key, entry)) : inFlight.TryUpdate(key, next, entry))
                    {
                        if (next.Remaining == 0)
                        {
                            latencies.Add(now - entry.SentMs);
                        }

                        break;
                    }
                }
            });
            await hub.StartAsync();
            await hub.InvokeAsync<JsonElement>("Join", ids[w]);
            editors.Add((hub, ids[w], $"bench-{w}-{e}-{Guid.NewGuid():N}"[..40]));
        }
    }

    var refused = 0;
    var seqs = new long[editors.Count];

    // The first seconds are not counted: they measure the JIT compiling the hot paths, not the hub.
    await EditAsync(TimeSpan.FromSeconds(5));
    await Task.Delay(1000);
    latencies.Clear();
    roundTrips.Clear();
    inFlight.Clear();
    refused = 0;
    var cpuBefore = CpuSeconds(apiPid);
    var wallBefore = clock.Elapsed;
    await EditAsync(TimeSpan.FromSeconds(seconds));
    await Task.Delay(2000);
    var cpu = (CpuSeconds(apiPid) - cpuBefore) / (clock.Elapsed - wallBefore).TotalSeconds;
    var sorted = latencies.Order().ToArray();
    var trips = roundTrips.Order().ToArray();
    static double Q(double[] values, double q) => values.Length == 0 ? double.NaN : values[Math.Min(values.Length - 1, (int)(q * values.Length))];
    double P(double q) => Q(sorted, q);
    Console.WriteLine($"operations delivered to everyone: {sorted.Length} ({sorted.Length / (double)seconds:F0}/s), not applied or unchanged: {refused}, never completed: {inFlight.Count}");
    Console.WriteLine($"operation-to-everyone latency ms: p50 {P(0.50):F1}  p90 {P(0.90):F1}  p99 {P(0.99):F1}  max {(sorted.Length > 0 ? sorted[^1] : double.NaN):F1}");
    Console.WriteLine($"Apply round trip (sender's answer) ms: p50 {Q(trips, 0.50):F1}  p99 {Q(trips, 0.99):F1}");
    Console.WriteLine($"API server CPU: {cpu * 100:F0}% of one core (machine has {Environment.ProcessorCount} cores; this load generator runs on the same machine)");
    foreach (var (hub, _, _) in editors)
    {
        await hub.DisposeAsync();
    }

    Task EditAsync(TimeSpan duration) => Task.WhenAll(editors.Select(async (editor, index) =>
    {
        using var stop = new CancellationTokenSource(duration);
        var random = new Random(index);
        var nextOp = clock.Elapsed.TotalMilliseconds + random.NextDouble() * 1000 / opsPerEditorPerSecond;
        while (!stop.IsCancellationRequested)
        {
            var untilOp = Math.Max(1, (int)(nextOp - clock.Elapsed.TotalMilliseconds));
            await Task.Delay(cursorsPerSecond > 0 ? Math.Min(untilOp, 1000 / cursorsPerSecond) : untilOp);
            if (cursorsPerSecond > 0)
            {
                await editor.Hub.SendAsync("MoveCursor", editor.Workflow, random.NextDouble() * 1000, random.NextDouble() * 800);
            }

            if (clock.Elapsed.TotalMilliseconds < nextOp)
            {
                continue;
            }

            nextOp += 1000 / opsPerEditorPerSecond;
            var s = seqs[index]++;
            var op = new { kind = "moveNode", id = "extract", position = new { x = random.Next(0, 1000), y = random.Next(0, 800) } };
            inFlight[(editor.Workflow, editor.ClientId, s)] = (clock.Elapsed.TotalMilliseconds, editorsPerWorkflow);
            var sent = clock.Elapsed.TotalMilliseconds;
            var result = await editor.Hub.InvokeAsync<JsonElement>("Apply", editor.Workflow, new { clientId = editor.ClientId, seq = s, baseVersion = 0, op });
            roundTrips.Add(clock.Elapsed.TotalMilliseconds - sent);
            if (!result.GetProperty("accepted").GetBoolean() || !result.GetProperty("changed").GetBoolean())
            {
                Interlocked.Increment(ref refused);
                inFlight.TryRemove((editor.Workflow, editor.ClientId, s), out _);
            }
        }
    }));
}

async Task<Guid> CreateSharedWorkflowAsync(string ownerToken, int index, int editors)
{
    var document = new
    {
        apiVersion = "workflowcontrol.io/v1",
        kind = "Workflow",
        metadata = new { name = $"Bench {index}" },
        spec = new { tasks = new[] { new { id = "extract", type = "extract.csv", config = new { source = "in.csv" }, dependsOn = Array.Empty<string>() } } },
    };
    var create = new HttpRequestMessage(HttpMethod.Post, "/workflows") { Content = JsonContent.Create(document) };
    create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
    var id = (await (await http.SendAsync(create)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    for (var e = 1; e < Math.Min(editors, users.Count); e++)
    {
        var share = new HttpRequestMessage(HttpMethod.Post, $"/workflows/{id}/collaborators") { Content = JsonContent.Create(new { email = users[e].Email, role = "edit" }) };
        share.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
        (await http.SendAsync(share)).EnsureSuccessStatusCode();
    }

    return id;
}

static double CpuSeconds(int pid)
{
    // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
}
