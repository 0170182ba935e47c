using System.Diagnostics;
using System.Net.Sockets;

namespace WorkflowControl.Testing;

/// <summary>
/// A Redis server of the tests' own (Debian's redis-server) on a free loopback port, without persistence,
/// killed on dispose. For the SignalR backplane tests: several API instances sharing one Redis.
/// </summary>
public sealed class ThrowawayRedis : IAsyncDisposable
{
    private readonly Process _process;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    private ThrowawayRedis(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static async Task<ThrowawayRedis> StartAsync(CancellationToken ct = default)
    {
        const string server = "/usr/bin/redis-server";
        if (!File.Exists(server))
        {
            throw new InvalidOperationException("redis-server not found: install the redis-server package (make deps).");
        }

        var port = ThrowawayPostgres.FreePort();
        var info = new ProcessStartInfo(server) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start redis-server");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new ThrowawayRedis(process, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, ct);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50, ct);
            }
        }

        await redis.DisposeAsync();
        throw new InvalidOperationException($"redis-server did not listen on port {port} within 5 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
