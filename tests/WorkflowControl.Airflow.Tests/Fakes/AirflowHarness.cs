using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Fakes;

/// <summary>
/// The production registration (AddAirflowClient) against a <see cref="FakeAirflow"/>, on fake time. Every
/// exchange is checked against the generation's official document when the harness is disposed.
/// </summary>
public sealed class AirflowHarness : IDisposable
{
    private readonly InFlightCounter _inFlight = new();

    // Pool threads busy for good outside the code under test (the test runner blocks one while the tests run): the
    // fewest seen busy, first before anything of this harness started, then at every look.
    private int _blockedWorkers = OtherBusyWorkers();

    public AirflowHarness(AirflowGeneration generation, AirflowApiVersion apiVersion = AirflowApiVersion.Auto, Action<IServiceCollection, IConfiguration>? extra = null,
        Dictionary<string, string?>? settings = null)
    {
        Time = new TimerRecordingTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        Airflow = new FakeAirflow(generation, Time);
        var config = new Dictionary<string, string?>
        {
            ["Airflow:BaseUrl"] = Airflow.Url,
            ["Airflow:Username"] = FakeAirflow.Username,
            ["Airflow:Password"] = FakeAirflow.Password,
            ["Airflow:ApiVersion"] = apiVersion.ToString(),
        };
        foreach (var (key, value) in settings ?? [])
        {
            config[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        services.AddSingleton<TimeProvider>(Time);
        services.AddAirflowClient(configuration);
        // Innermost handler: lets tests advance fake time only while no request is on the wire.
        services.ConfigureAll<HttpClientFactoryOptions>(o => o.HttpMessageHandlerBuilderActions.Add(b => b.AdditionalHandlers.Add(_inFlight.NewHandler())));
        extra?.Invoke(services, configuration);
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        Client = Services.GetRequiredService<IAirflowClient>();
    }

    public TimerRecordingTimeProvider Time { get; }

    public FakeAirflow Airflow { get; }

    public ServiceProvider Services { get; }

    public IAirflowClient Client { get; }

    public CapturingLogs Logs { get; } = new();

    /// <summary>
    /// Completes <paramref name="task"/> on fake time and returns the fake time that passed. Time moves only while the
    /// code under test is idle (no request on the wire, no work queued or running on the thread pool) and then only to
    /// the next timer it set, at most <paramref name="step"/> at a time: back-offs, Retry-After and breaker windows
    /// elapse exactly as asked, however slow the machine is.
    /// </summary>
    public async Task<TimeSpan> Drive(Task task, TimeSpan? step = null)
    {
        var started = Time.GetUtcNow();
        // A guard against a hang, not a measurement: no outcome depends on it.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var idleChecks = 0;
        while (!task.IsCompleted)
        {
            if (guard.IsCancellationRequested)
            {
                Assert.Fail($"the operation did not finish (fake time {Time.GetUtcNow():O}, next timer {Time.NextDue():O}, {State()})");
            }

            // Real waiting only lets other threads run; it decides nothing.
            await Task.WhenAny(task, Task.Delay(1)).ConfigureAwait(false);
            idleChecks = !task.IsCompleted && Idle() ? idleChecks + 1 : 0;
            // Idle at two looks a real moment apart: nothing was just about to be queued.
            if (idleChecks >= 2 && Time.NextDue() is { } due)
            {
                var limit = step ?? TimeSpan.FromMilliseconds(250);
                var wait = due - Time.GetUtcNow();
                Time.Advance(wait <= TimeSpan.Zero ? TimeSpan.FromTicks(1) : wait < limit ? wait : limit);
                idleChecks = 0;
            }
        }

        await task.ConfigureAwait(false);
        return Time.GetUtcNow() - started;
    }

    /// <summary>
    /// Nothing of the code under test can move without time passing: no request in flight, nothing queued on the
    /// thread pool and no pool thread busy but the one asking and those blocked for good.
    /// </summary>
    private bool Idle()
    {
        var busy = OtherBusyWorkers();
        _blockedWorkers = Math.Min(_blockedWorkers, busy);
        return _inFlight.Count == 0 && ThreadPool.PendingWorkItemCount == 0 && busy <= _blockedWorkers;
    }

    private static int OtherBusyWorkers()
    {
        ThreadPool.GetMaxThreads(out var maxWorkers, out _);
        ThreadPool.GetAvailableThreads(out var availableWorkers, out _);
        return maxWorkers - availableWorkers - (Thread.CurrentThread.IsThreadPoolThread ? 1 : 0);
    }

    private string State() =>
        $"requests in flight {_inFlight.Count}, queued work items {ThreadPool.PendingWorkItemCount}, other busy pool threads {OtherBusyWorkers()} of which {_blockedWorkers} blocked for good";

    public async Task<T> Drive<T>(Task<T> task, TimeSpan? step = null)
    {
        await Drive((Task)task, step).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>Problems of every exchange so far against the official document of the fake's generation.</summary>
    public List<string> ContractProblems() => Airflow.ContractProblems();

    public void Dispose()
    {
        Services.Dispose();
        Airflow.Dispose();
    }

    private sealed class InFlightCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public DelegatingHandler NewHandler() => new Handler(this);

        private sealed class Handler(InFlightCounter counter) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref counter._count);
                try
                {
                    return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref counter._count);
                }
            }
        }
    }
}

/// <summary>
/// Fake time that also remembers every timer's due time, so a test can prove what the code waited for (a Retry-After,
/// a back-off) instead of measuring how much fake time the driver happened to advance, and knows when the next timer
/// is due, so the driver moves time exactly to it.
/// </summary>
public sealed class TimerRecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();
    private readonly ConcurrentDictionary<RecordedTimer, DateTimeOffset> _pending = new();

    public IReadOnlyCollection<TimeSpan> TimerDueTimes => _dueTimes;

    /// <summary>When the earliest timer still set fires; null when none is set.</summary>
    public DateTimeOffset? NextDue() => _pending.IsEmpty ? null : _pending.Values.Min();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _dueTimes.Enqueue(dueTime);
        var timer = new RecordedTimer(this, callback, state);
        // Recorded before the fake timer exists: a due time of zero fires inside CreateTimer.
        timer.Schedule(dueTime, period);
        timer.Inner = base.CreateTimer(static s => ((RecordedTimer)s!).Fire(), timer, dueTime, period);
        return timer;
    }

    private sealed class RecordedTimer(TimerRecordingTimeProvider time, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        public void Schedule(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                time._pending.TryRemove(this, out _);
            }
            else
            {
                time._pending[this] = time.GetUtcNow() + dueTime;
            }
        }

        public void Fire()
        {
            var periodic = _period != Timeout.InfiniteTimeSpan && _period != TimeSpan.Zero;
            Schedule(periodic ? _period : Timeout.InfiniteTimeSpan, _period);
            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Schedule(dueTime, period);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            time._pending.TryRemove(this, out _);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            time._pending.TryRemove(this, out _);
            return Inner.DisposeAsync();
        }
    }
}

/// <summary>Keeps every log line the client writes, so tests can prove no credential is logged.</summary>
public sealed class CapturingLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => p.Key + "=" + p.Value)) : "";
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
        }
    }
}

/// <summary>Base of tests against one generation of the fake Airflow; fails a test whose traffic breaks the document.</summary>
public abstract class AirflowTestBase(AirflowGeneration generation)
{
    protected AirflowGeneration Generation { get; } = generation;

    protected AirflowHarness H { get; private set; } = null!;

    protected virtual AirflowHarness CreateHarness() => new(Generation);

    /// <summary>Drives <paramref name="task"/> on fake time and returns the exception it must end with.</summary>
    protected async Task<T> ThrowsDuring<T>(Task task, AirflowHarness? harness = null)
        where T : Exception
    {
        try
        {
            await (harness ?? H).Drive(task, TimeSpan.FromSeconds(1));
        }
        catch (T expected)
        {
            return expected;
        }

        Assert.Fail($"expected {typeof(T).Name}");
        return null!;
    }

    [SetUp]
    public void StartHarness() => H = CreateHarness();

    [TearDown]
    public void CheckContractAndStop()
    {
        try
        {
            if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Failed)
            {
                Assert.That(H.Airflow.StubErrors, Is.Empty, "the stub Airflow itself failed");
                Assert.That(H.ContractProblems(), Is.Empty, "requests or stub answers that the official Airflow document does not allow");
                var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(FakeAirflow.Username + ":" + FakeAirflow.Password));
                Assert.That(
                    H.Logs.Lines.Where(l => l.Contains(FakeAirflow.Password, StringComparison.Ordinal) || l.Contains(basic, StringComparison.Ordinal)
                        || l.Contains("jwt-", StringComparison.Ordinal)),
                    Is.Empty, "a password or token reached the logs");
            }
        }
        finally
        {
            H.Dispose();
        }
    }
}
