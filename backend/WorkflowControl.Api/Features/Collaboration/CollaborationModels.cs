using System.Text.Json;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>Someone in a workflow's editor: shown as an avatar in the header and an outline on the node they selected.</summary>
public sealed record Participant(string ConnectionId, Guid UserId, string DisplayName, string Initials, string Colour, string? SelectedNode);

/// <summary>Who holds the edit lock of a node, and for how much longer unless they renew it.</summary>
public sealed record NodeLock(string NodeId, Guid UserId, string DisplayName, string ConnectionId, long ExpiresInMs);

public sealed record JoinResult(Guid WorkflowId, int Version, string Role, JsonElement Document, Participant You, IReadOnlyList<Participant> Participants, IReadOnlyList<NodeLock> Locks);

/// <summary>One editor operation (frontend/src/features/editor/document/operations.ts), idempotent by (ClientId, Seq).</summary>
public sealed record OperationRequest(string ClientId, long Seq, int BaseVersion, JsonElement Op);

/// <summary>
/// The answer to one operation. <c>Changed</c> is false when the operation changed nothing (the value was already
/// set): then no version was made and no event follows.
/// </summary>
public sealed record ApplyResult(bool Accepted, int? Version, bool Duplicate, bool Changed, string? Reason)
{
    public static ApplyResult Refused(string reason) => new(false, null, false, false, reason);
}

public sealed record LockResult(bool Granted, NodeLock? Lock);

/// <summary>Settings under "Collaboration" (docs/configuration.md).</summary>
public sealed class CollaborationOptions
{
    public int LockLeaseSeconds { get; set; } = 30;

    /// <summary>Sessions whose instance stopped refreshing them for this long are ignored (that instance died).</summary>
    public int SessionTimeoutSeconds { get; set; } = 60;

    public int CursorsPerSecond { get; set; } = 20;

    /// <summary>Joins, selections and lock calls together, per connection (operations are paced by SignalR itself).</summary>
    public int CallsPerSecond { get; set; } = 50;

    /// <summary>A pause in edits this long ends a version (Features/History/VersionBursts.cs).</summary>
    public int VersionGapSeconds { get; set; } = 30;

    public TimeSpan VersionGap => TimeSpan.FromSeconds(Math.Max(0, VersionGapSeconds));
}

/// <summary>Small decisions of presence, kept pure.</summary>
public static class Presence
{
    // Distinct at a glance, legible with white initials on top (WCAG AA on #fff text).
    private static readonly string[] Palette = ["#c92a2a", "#a61e4d", "#862e9c", "#5f3dc4", "#364fc7", "#1864ab", "#0b7285", "#087f5b", "#2b8a3e", "#d9480f"];

    public static string ColourOf(Guid userId) => Palette[(int)((uint)userId.GetHashCode() % (uint)Palette.Length)];

    public static string InitialsOf(string displayName)
    {
        var words = displayName.Split([' ', '.', '_', '-', '@'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length switch
        {
            0 => "?",
            1 => words[0][..Math.Min(2, words[0].Length)].ToUpperInvariant(),
            _ => string.Concat(char.ToUpperInvariant(words[0][0]), char.ToUpperInvariant(words[^1][0])),
        };
    }

    /// <summary>A lock that expired is nobody's; the holder's own connection may renew it.</summary>
    public static bool BlocksOthers(DateTimeOffset expiresAt, string holderConnection, string callerConnection, DateTimeOffset now) =>
        expiresAt > now && holderConnection != callerConnection;
}

/// <summary>A token bucket: at most <c>perSecond</c> on average, short bursts up to one second's worth.</summary>
public sealed class RateBucket(int perSecond, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _tokens = perSecond;
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(perSecond, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * perSecond));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
