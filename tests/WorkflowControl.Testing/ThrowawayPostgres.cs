using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace WorkflowControl.Testing;

/// <summary>
/// A PostgreSQL cluster of the tests' own: initdb in a temporary folder, a free loopback port,
/// a non-root OS user (initdb refuses root), stopped and deleted on dispose.
/// Never connects to a server someone else left running.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string Superuser = "wfc_test";
    private readonly string _dataDir;
    private readonly string _binDir;
    private readonly string? _runAs;

    public int Port { get; }

    private ThrowawayPostgres(string dataDir, string binDir, string? runAs, int port)
    {
        _dataDir = dataDir;
        _binDir = binDir;
        _runAs = runAs;
        Port = port;
    }

    public static async Task<ThrowawayPostgres> StartAsync(CancellationToken ct = default)
    {
        var binDir = FindBinDir();
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        var dataDir = Path.Combine(Path.GetTempPath(), "wfc-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDir);
        if (runAs is not null)
        {
            await RunAsync("chown", ["-R", runAs, dataDir], null, ct);
        }

        var cluster = new ThrowawayPostgres(dataDir, binDir, runAs, FreePort());
        await cluster.RunPgAsync("initdb", ["-D", Path.Combine(dataDir, "data"), "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], ct);
        var options = $"-p {cluster.Port} -k {dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        await cluster.RunPgAsync("pg_ctl", ["-D", Path.Combine(dataDir, "data"), "-o", options, "-l", Path.Combine(dataDir, "server.log"), "-w", "-t", "60", "start"], ct);
        return cluster;
    }

    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = Superuser,
            Database = database,
            Pooling = true,
            MaxPoolSize = 200,
        }.ConnectionString;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "", StringComparison.Ordinal)}\"", connection);
        await command.ExecuteNonQueryAsync(ct);
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunPgAsync("pg_ctl", ["-D", Path.Combine(_dataDir, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        finally
        {
            try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private Task RunPgAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        var exe = Path.Combine(_binDir, tool);
        return _runAs is null
            ? RunAsync(exe, args, null, ct)
            : RunAsync("runuser", ["-u", _runAs, "--", exe, .. args], null, ct);
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, string? workingDirectory, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    private static string FindBinDir()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        const string root = "/usr/lib/postgresql";
        var candidate = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return candidate ?? throw new InvalidOperationException("PostgreSQL server binaries not found: install the postgresql package (make deps) or set PG_BIN");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
