using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using WorkflowControl.Core.Workflows;
using static WorkflowControl.Api.Tests.Features.Collaboration.CollaborationHubTests;

namespace WorkflowControl.Api.Tests.Features.Collaboration;

/// <summary>
/// Ten editors send random operations with random delays and drop their connections now and then, sometimes with
/// an operation in flight. In the end every editor holds the server's document, and every operation the server
/// acknowledged is in its log exactly once.
/// </summary>
public sealed class ConvergenceTests
{
    private static ApiFactory Api => ApiFixture.Factory;

    [TestCase(20261129)]
    [TestCase(7)]
    public async Task Ten_editors_with_random_operations_delays_and_disconnects_end_with_the_same_document(int seed)
    {
        var owner = await TestUser.SignUpAsync(name: "Owner");
        var id = await owner.CreateWorkflowIdAsync();
        var users = new List<TestUser>();
        for (var i = 0; i < 10; i++)
        {
            var user = await TestUser.SignUpAsync(name: $"Editor {i}");
            await owner.Client.PostAsync($"/workflows/{id}/collaborators", TestUser.Json(new JsonObject { ["email"] = user.Email, ["role"] = "edit" }));
            users.Add(user);
        }

        var editors = users.Select((u, i) => new SimulatedEditor(u, id, $"client-{seed}-{i}", new Random(seed + i))).ToList();
        await Task.WhenAll(editors.Select(e => e.JoinAsync()));

        await Task.WhenAll(editors.Select(e => e.EditAsync(operations: 12)));

        var final = await CurrentVersionAsync(owner, id);
        await Task.WhenAll(editors.Select(e => e.CatchUpAsync(final)));
        var server = JsonNode.Parse((await owner.Client.GetStringAsync($"/workflows/{id}")))!["document"]!;
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        var log = (await db.QueryAsync<(string ClientId, long Seq, int Version)>(
            "SELECT client_id, client_seq, version FROM workflow_operations WHERE workflow_id = @id", new { id })).ToList();

        Assert.Multiple(() =>
        {
            foreach (var editor in editors)
            {
                Assert.That(JsonNode.DeepEquals(editor.Confirmed, server), Is.True, $"{editor.ClientId} differs from the server");
                Assert.That(editor.Pending, Is.Empty, $"{editor.ClientId} still has unsent work");
                Assert.That(editor.Divergence, Is.Null, $"{editor.ClientId} could not apply an operation the server applied");
                foreach (var (seq, version) in editor.Acknowledged)
                {
                    Assert.That(log, Does.Contain((editor.ClientId, seq, version)), $"{editor.ClientId} #{seq} was acknowledged as version {version} but is not in the log");
                }
            }

            // One version per logged operation: nothing was applied twice, nothing acknowledged was lost.
            Assert.That(log.Select(l => l.Version).Order(), Is.EqualTo(Enumerable.Range(2, final - 1)));
            Assert.That(editors.Sum(e => e.Disconnects), Is.GreaterThan(0), "the run exercised reconnects");
            Assert.That(log.Count, Is.GreaterThan(20), "enough operations were accepted to mean something");
        });

        await Task.WhenAll(editors.Select(e => e.DisposeAsync().AsTask()));
    }

    /// <summary>A client that follows docs/collaboration.md's algorithm with the same operations the server applies.</summary>
    private sealed class SimulatedEditor(TestUser user, Guid workflowId, string clientId, Random random) : IAsyncDisposable
    {
        /// <summary>How long no event may arrive before the editor treats it as a gap and joins again (the browser's gap timeout).</summary>
        private static readonly TimeSpan SilenceBeforeRejoin = TimeSpan.FromSeconds(1);

        private readonly Lock _gate = new();
        private readonly SortedDictionary<int, JsonElement> _early = new();
        private HubConnection _hub = null!;
        private long _nextSeq;
        private TaskCompletionSource _changed = NewSignal();

        public string ClientId => clientId;

        public JsonObject Confirmed { get; private set; } = new();

        public int ConfirmedVersion { get; private set; }

        public List<(long Seq, JsonObject Op)> Pending { get; } = [];

        public List<(long Seq, int Version)> Acknowledged { get; } = [];

        public int Disconnects { get; private set; }

        /// <summary>Set when the server applied an operation this client could not: the two would drift apart.</summary>
        public string? Divergence { get; private set; }

        public async Task JoinAsync()
        {
            _hub = HubClients.Build(Api, user);
            _hub.On<JsonElement>("operationApplied", Receive);
            await _hub.StartAsync();
            var snapshot = await _hub.InvokeAsync<JsonElement>("Join", workflowId);
            lock (_gate)
            {
                Confirmed = JsonNode.Parse(snapshot.GetProperty("document").GetRawText())!.AsObject();
                ConfirmedVersion = snapshot.GetProperty("version").GetInt32();
                foreach (var stale in _early.Keys.Where(v => v <= ConfirmedVersion).ToList())
                {
                    _early.Remove(stale);
                }

                Pending.RemoveAll(p => Acknowledged.Any(a => a.Seq == p.Seq && a.Version <= ConfirmedVersion));
                Drain();
                Changed();
            }
        }

        public async Task EditAsync(int operations)
        {
            for (var i = 0; i < operations; i++)
            {
                // Random pauses interleave the ten editors differently per seed; nothing waits on them.
                await Task.Delay(random.Next(0, 25));
                JsonObject op;
                lock (_gate)
                {
                    op = RandomOperation(Shown());
                    Pending.Add((_nextSeq++, op));
                }

                if (random.NextDouble() < 0.12)
                {
                    // Drop the connection, half the time with the operation already on its way.
                    if (random.NextDouble() < 0.5)
                    {
                        _ = SendAsync(Pending[^1].Seq, op);
                    }

                    await ReconnectAsync();
                }

                await FlushAsync();
            }
        }

        public async Task CatchUpAsync(int version)
        {
            await FlushAsync();
            for (var gaps = 0; gaps < 10; gaps++)
            {
                if (await WaitUntilAsync(() => ConfirmedVersion >= version, SilenceBeforeRejoin))
                {
                    return;
                }

                // A gap that does not fill: join again, as the browser does.
                await JoinAsync();
            }
        }

        public ValueTask DisposeAsync() => _hub.DisposeAsync();

        private async Task ReconnectAsync()
        {
            Disconnects++;
            await _hub.DisposeAsync();
            await JoinAsync();
        }

        /// <summary>Sends what is pending, oldest first, one at a time; a replay of an applied one is recognised by the server.</summary>
        private async Task FlushAsync()
        {
            while (true)
            {
                (long Seq, JsonObject Op) next;
                lock (_gate)
                {
                    if (Pending.Count == 0)
                    {
                        return;
                    }

                    next = Pending[0];
                }

                var result = await SendAsync(next.Seq, next.Op);
                lock (_gate)
                {
                    if (result.GetProperty("accepted").GetBoolean())
                    {
                        var version = result.GetProperty("version").GetInt32();
                        if (result.GetProperty("changed").GetBoolean())
                        {
                            Acknowledged.Add((next.Seq, version));
                        }

                        if (version <= ConfirmedVersion || !result.GetProperty("changed").GetBoolean())
                        {
                            Pending.RemoveAll(p => p.Seq == next.Seq);
                        }
                    }
                    else
                    {
                        Pending.RemoveAll(p => p.Seq == next.Seq);
                    }

                    Changed();
                }

                // Wait for our own broadcast before sending the next one, like the browser's single in-flight call.
                await WaitUntilAsync(() => Pending.Count == 0 || Pending[0].Seq != next.Seq, SilenceBeforeRejoin);

                lock (_gate)
                {
                    if (Pending.Count > 0 && Pending[0].Seq == next.Seq)
                    {
                        // Our broadcast never came (a gap): the snapshot of a new join has it.
                        Pending.RemoveAt(0);
                    }
                }
            }
        }

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Wakes whoever waits for this editor's confirmed document or pending list to change (called under the gate).</summary>
        private void Changed()
        {
            var done = _changed;
            _changed = NewSignal();
            done.TrySetResult();
        }

        /// <summary>
        /// Waits for the editor's state to satisfy <paramref name="done"/>, woken by each change; false when
        /// <paramref name="quiet"/> passes with no change at all (a gap the browser would repair by joining again).
        /// </summary>
        private async Task<bool> WaitUntilAsync(Func<bool> done, TimeSpan quiet)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (done())
                    {
                        return true;
                    }

                    changed = _changed.Task;
                }

                if (await Task.WhenAny(changed, Task.Delay(quiet)) != changed)
                {
                    return false;
                }
            }
        }

        private async Task<JsonElement> SendAsync(long seq, JsonObject op) =>
            await _hub.InvokeAsync<JsonElement>("Apply", workflowId, Operation(clientId, seq, (JsonObject)op.DeepClone(), ConfirmedVersion));

        private void Receive(JsonElement applied)
        {
            lock (_gate)
            {
                _early[applied.GetProperty("version").GetInt32()] = applied.Clone();
                Drain();
            }
        }

        private void Drain()
        {
            while (_early.Remove(ConfirmedVersion + 1, out var applied))
            {
                var outcome = WorkflowOperations.Apply(Confirmed, JsonNode.Parse(applied.GetProperty("op").GetRawText()));
                Confirmed = outcome.Document ?? Confirmed;
                Divergence ??= outcome.Refusal;
                ConfirmedVersion++;
                if (applied.GetProperty("clientId").GetString() == clientId)
                {
                    var seq = applied.GetProperty("seq").GetInt64();
                    Pending.RemoveAll(p => p.Seq == seq);
                }
            }

            Changed();
        }

        /// <summary>What this editor shows: the confirmed document with its own pending operations on top.</summary>
        private JsonObject Shown()
        {
            var shown = Confirmed;
            foreach (var (_, op) in Pending)
            {
                var outcome = WorkflowOperations.Apply(shown, op);
                shown = outcome.Document ?? shown;
            }

            return shown;
        }

        private JsonObject RandomOperation(JsonObject shown)
        {
            var tasks = shown["spec"]!["tasks"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ToList();
            string Any() => tasks.Count == 0 ? "extract" : tasks[random.Next(tasks.Count)];
            var edges = shown["spec"]!["tasks"]!.AsArray()
                .SelectMany(t => t!["dependsOn"]!.AsArray().Select(d => (Source: d!.GetValue<string>(), Target: t["id"]!.GetValue<string>()))).ToList();
            var edge = edges.Count == 0 ? (Source: Any(), Target: Any()) : edges[random.Next(edges.Count)];
            return random.Next(10) switch
            {
                0 or 1 => AddNode($"n_{clientId.Replace('-', '_')}_{_nextSeq}", "test.step", Any()),
                2 => new JsonObject { ["kind"] = "deleteNode", ["id"] = Any() },
                3 or 4 => Move(Any(), random.Next(0, 800), random.Next(0, 600)),
                5 => new JsonObject { ["kind"] = "addEdge", ["source"] = Any(), ["target"] = Any() },
                6 => new JsonObject { ["kind"] = "deleteEdge", ["source"] = edge.Source, ["target"] = edge.Target },
                7 => new JsonObject { ["kind"] = "updateSettings", ["changes"] = new JsonObject { ["name"] = $"Named by {clientId} #{_nextSeq}" } },
                _ => UpdateConfig(Any(), "expression", $"{clientId} #{_nextSeq}"),
            };
        }
    }
}
