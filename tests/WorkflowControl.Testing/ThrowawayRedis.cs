using System.Diagnostics;

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

        // Redis says when it listens; awaiting that line (or its exit) decides, not a deadline on this machine's speed.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                output.Enqueue(line);
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited:\n" + string.Join("\n", output)));
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start redis-server");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new ThrowawayRedis(process, port);
        try
        {
            // A guard against a hang only: Redis starts in milliseconds even on a loaded machine.
            await ready.Task.WaitAsync(TimeSpan.FromMinutes(1), ct);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
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
