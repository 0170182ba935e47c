using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using WorkflowControl.Api.Infrastructure.Realtime;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>
/// The hub connections this API instance holds: what each joined (for cheap cursor checks), its rate limits,
/// and its context, so a revoked collaborator can be disconnected at once.
/// </summary>
public sealed class LiveConnections(IOptions<CollaborationOptions> options, TimeProvider time, ApiInstance instance)
{
    /// <summary>Identifies this process's rows in collab_sessions; they stop being refreshed when it dies.</summary>
    public Guid InstanceId => instance.Id;

    private readonly ConcurrentDictionary<string, LiveConnection> _connections = new();

    public LiveConnection Add(HubCallerContext context) =>
        _connections.GetOrAdd(context.ConnectionId, _ => new LiveConnection(
            context, new RateBucket(options.Value.CursorsPerSecond, time), new RateBucket(options.Value.CallsPerSecond, time)));

    public LiveConnection? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);
}

public sealed class LiveConnection(HubCallerContext context, RateBucket cursors, RateBucket calls)
{
    public HubCallerContext Context { get; } = context;

    public RateBucket Cursors { get; } = cursors;

    public RateBucket Calls { get; } = calls;

    /// <summary>Workflows this connection joined, with how it appears to the others there.</summary>
    public ConcurrentDictionary<Guid, Participant> Joined { get; } = new();
}
