using Npgsql;
using WorkflowControl.Airflow.Tracking;

namespace WorkflowControl.Api.Infrastructure.Database;

/// <summary>
/// One poller per cluster: a session-level PostgreSQL advisory lock (<c>pg_try_advisory_lock</c>) held on a connection
/// of its own. PostgreSQL releases it when that session ends, whether the holder stopped, crashed or lost its
/// connection, so no expiry or clock is involved; the next instance to ask gets it. The holder checks its session on
/// every call, so it notices a lost lock before its next poll. Needs a session-mode connection (not a transaction
/// pooler such as PgBouncer in transaction mode).
/// </summary>
public sealed partial class LeaderLease : IPollingLease, IAsyncDisposable
{
    /// <summary>Setting of the advisory lock's key; instances that should share one poller use the same key and database.</summary>
    public const string LockKeySetting = "Airflow:Leadership:LockKey";

    /// <summary>"WFC" and 1: a key other applications on the same database are unlikely to use.</summary>
    public const long DefaultLockKey = 0x574643_0001;

    private readonly NpgsqlDataSource _sessions;
    private readonly long _key;
    private readonly ILogger<LeaderLease> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // One session for asking and holding: a standing-by instance does not open a connection per ask.
    private NpgsqlConnection? _session;
    private bool _held;
    private int _disposed;

    public LeaderLease(IConfiguration configuration, ILogger<LeaderLease> logger)
    {
        // Not pooled: closing the connection must end the session, which is what releases the lock.
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(DatabaseSetup.ConnectionStringName))
        {
            Pooling = false,
            ApplicationName = "workflowcontrol-leader",
        };
        _sessions = new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = "workflowcontrol-leader" }.Build();
        _key = configuration.GetValue(LockKeySetting, DefaultLockKey);
        _logger = logger;
    }

    /// <summary>Whether this process held the lease at its last check.</summary>
    public bool IsHeld => _held;

    /// <summary>The PostgreSQL backend process of the holding session (tests end it to simulate a crash); null when not held.</summary>
    public int? SessionProcessId => _held ? _session?.ProcessID : null;

    public async Task<bool> HoldAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var wasHeld = _held;
            if (!await AskAsync(ct) && wasHeld)
            {
                LogLost();
                // On a new session the lock may be free at once (the database restarted, say).
                await AskAsync(ct);
            }

            if (_held && !wasHeld)
            {
                LogTaken(_key);
            }

            return _held;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes it once per registration (as itself and as IPollingLease).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            await DropAsync();
        }
        finally
        {
            _gate.Release();
        }

        await _sessions.DisposeAsync();
        _gate.Dispose();
    }

    /// <summary>Holding: the session being alive is the lock being ours. Otherwise: asks for the lock.</summary>
    private async Task<bool> AskAsync(CancellationToken ct)
    {
        try
        {
            _session ??= await _sessions.OpenConnectionAsync(ct);
            await using var command = _held
                ? new NpgsqlCommand("SELECT true", _session)
                : new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", _session) { Parameters = { new("key", _key) } };
            _held = await command.ExecuteScalarAsync(ct) is true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            var lost = _held;
            await DropAsync();
            if (!lost)
            {
                LogUnavailable(e.Message);
            }
        }

        return _held;
    }

    private async Task DropAsync()
    {
        _held = false;
        if (_session is { } connection)
        {
            _session = null;
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This instance holds the polling lease (advisory lock {Key}): it tracks runs and deployments")]
    private partial void LogTaken(long key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This instance lost the polling lease (its session ended); another instance may take over")]
    private partial void LogLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The polling lease could not be asked for: {Reason}")]
    private partial void LogUnavailable(string reason);
}
