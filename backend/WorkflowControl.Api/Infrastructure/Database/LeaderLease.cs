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
    private NpgsqlConnection? _held;
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
    public bool IsHeld => _held is not null;

    /// <summary>The PostgreSQL backend process of the holding session (tests end it to simulate a crash); null when not held.</summary>
    public int? SessionProcessId => _held?.ProcessID;

    public async Task<bool> HoldAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_held is not null)
            {
                if (await AliveAsync(_held, ct))
                {
                    return true;
                }

                LogLost();
                await DropAsync();
            }

            return await TryTakeAsync(ct);
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

    private async Task<bool> TryTakeAsync(CancellationToken ct)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _sessions.OpenConnectionAsync(ct);
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            take.Parameters.AddWithValue("key", _key);
            if (await take.ExecuteScalarAsync(ct) is true)
            {
                _held = connection;
                LogTaken(_key);
                return true;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogUnavailable(e.Message);
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        return false;
    }

    private static async Task<bool> AliveAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        try
        {
            await using var ping = new NpgsqlCommand("SELECT 1", connection);
            await ping.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task DropAsync()
    {
        if (_held is { } connection)
        {
            _held = null;
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
