using System.Threading.RateLimiting;

namespace WorkflowControl.Api.Infrastructure.RateLimiting;

/// <summary>A fixed window of permits on <see cref="TimeProvider"/> time (the framework's limiters read the system clock).</summary>
internal sealed class TimeWindowLimiter(TimeProvider time, int limit, TimeSpan window) : RateLimiter
{
    private readonly Lock _lock = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _used;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var end = WindowEnd;
                var now = time.GetUtcNow();
                return now >= end ? now - end : null;
            }
        }
    }

    private DateTimeOffset WindowEnd => _windowStart == DateTimeOffset.MinValue ? DateTimeOffset.MinValue : _windowStart + window;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            return new RateLimiterStatistics { CurrentAvailablePermits = Math.Max(0, limit - _used) };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now >= WindowEnd)
            {
                _windowStart = now;
                _used = 0;
            }

            if (_used + permitCount <= limit)
            {
                _used += permitCount;
                return WindowLease.Acquired;
            }

            return new WindowLease(false, WindowEnd - now);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class WindowLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly WindowLease Acquired = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name ? value : null;
            return metadata is not null;
        }
    }
}
