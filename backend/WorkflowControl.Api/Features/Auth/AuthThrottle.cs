using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Infrastructure.RateLimiting;

namespace WorkflowControl.Api.Features.Auth;

/// <summary>Configuration section "Auth:Throttle": how often sign-in and sign-up may be tried.</summary>
public sealed class AuthThrottleOptions
{
    public const string Section = "Auth:Throttle";

    /// <summary>Sign-ins and sign-ups from one client address per <see cref="AddressWindow"/>.</summary>
    [Range(1, int.MaxValue)]
    public int AddressLimit { get; set; } = 20;

    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sign-ins and sign-ups naming one e-mail address per <see cref="AccountWindow"/>, from anywhere.</summary>
    [Range(1, int.MaxValue)]
    public int AccountLimit { get; set; } = 10;

    public TimeSpan AccountWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Wrong passwords for one account before each further one locks it for a growing delay.</summary>
    [Range(0, 1000)]
    public int FreeAccountFailures { get; set; } = 5;

    /// <summary>Wrong passwords from one address (any accounts) before the same growing delay applies to it.</summary>
    [Range(0, 100_000)]
    public int FreeAddressFailures { get; set; } = 20;

    /// <summary>The first delay; each further failure doubles it, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Throttles sign-in and sign-up with ASP.NET Core's rate limiter: a fixed window per client address (the
/// middleware policy <see cref="PolicyName"/>) and per account (an endpoint filter, which sees the e-mail address),
/// plus a delay that doubles with each wrong password past a few, per account and per address. Time comes from
/// <see cref="TimeProvider"/>, so tests move it instead of waiting. Refusals are 429 with Retry-After, and audited
/// once per refused window.
/// </summary>
public sealed class AuthThrottle : IDisposable
{
    public const string PolicyName = "auth";

    private readonly AuthThrottleOptions _options;
    private readonly TimeProvider _time;
    private readonly PartitionedRateLimiter<string> _accounts;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _audited = new(StringComparer.Ordinal);

    public AuthThrottle(IOptions<AuthThrottleOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _accounts = PartitionedRateLimiter.Create<string, string>(
            account => RateLimitPartition.Get(account, _ => new TimeWindowLimiter(time, _options.AccountLimit, _options.AccountWindow)));
        AccountFailures = new FailureBackoff(time, _options.FreeAccountFailures, _options.FirstDelay, _options.MaxDelay);
        AddressFailures = new FailureBackoff(time, _options.FreeAddressFailures, _options.FirstDelay, _options.MaxDelay);
    }

    public FailureBackoff AccountFailures { get; }

    public FailureBackoff AddressFailures { get; }

    public static string AccountOf(string? email) => (email ?? "").Trim().ToLowerInvariant();

    public RateLimitPartition<string> AddressPartition(HttpContext http) =>
        RateLimitPartition.Get(ApiRateLimits.AddressOf(http), _ => new TimeWindowLimiter(_time, _options.AddressLimit, _options.AddressWindow));

    /// <summary>null when the account may try now, otherwise how long until it may.</summary>
    public TimeSpan? AccountRetryAfter(string account)
    {
        using var lease = _accounts.AttemptAcquire(account);
        return lease.IsAcquired ? null : TooManyRequests.RetryAfterOf(lease);
    }

    /// <summary>The 429 answer of sign-in and sign-up (Retry-After, no-store; see <see cref="TooManyRequests"/>).</summary>
    public static ProblemHttpResult Refusal(HttpContext http, TimeSpan retryAfter) =>
        TooManyRequests.Answer(http, retryAfter, "Too many attempts", "Too many sign-in or sign-up attempts.");

    /// <summary>Writes one auth.throttled entry per refused key and window, so a flood of refusals is not a flood of rows.</summary>
    public async Task AuditAsync(HttpContext http, string scope, string? account, TimeSpan retryAfter)
    {
        var now = _time.GetUtcNow();
        var until = now + retryAfter;
        var key = $"{scope}|{(scope == "account" ? account : ApiRateLimits.AddressOf(http))}";
        if (_audited.TryGetValue(key, out var auditedUntil) && auditedUntil >= now)
        {
            return;
        }

        _audited[key] = until;
        if (_audited.Count > 10_000)
        {
            foreach (var (old, end) in _audited)
            {
                if (end < now)
                {
                    _audited.TryRemove(old, out _);
                }
            }
        }

        var database = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await database.OpenConnectionAsync(http.RequestAborted);
        await AuditLog.WriteAsync(connection, null, new ClaimsPrincipal(), "auth.throttled", null,
            new { scope, path = http.Request.Path.Value, address = ApiRateLimits.AddressOf(http), account, retryAfterSeconds = (int)Math.Ceiling(retryAfter.TotalSeconds) }, now);
    }

    public void Dispose() => _accounts.Dispose();
}

/// <summary>The rate limiter middleware's policy for the auth endpoints: a fixed window per client address.</summary>
public sealed class AuthAddressPolicy(AuthThrottle throttle) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
    {
        var retryAfter = TooManyRequests.RetryAfterOf(context.Lease);
        await context.HttpContext.RequestServices.GetRequiredService<AuthThrottle>().AuditAsync(context.HttpContext, "address", null, retryAfter);
        await AuthThrottle.Refusal(context.HttpContext, retryAfter).ExecuteAsync(context.HttpContext);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => throttle.AddressPartition(httpContext);
}

/// <summary>
/// Per account, where the body names it: a window of attempts, and the growing delay after wrong passwords (by
/// account and by address), counted from the handler's answer.
/// </summary>
public sealed class AccountThrottleFilter(AuthThrottle throttle) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var email = context.Arguments.Select(a => a switch { SignInRequest r => r.Email, SignUpRequest r => r.Email, _ => null }).FirstOrDefault(e => e is not null);
        var account = AuthThrottle.AccountOf(email);
        var address = ApiRateLimits.AddressOf(http);

        var (scope, retryAfter) = throttle.AccountFailures.RetryAfter(account) is { } accountLock ? ("account", accountLock)
            : throttle.AddressFailures.RetryAfter(address) is { } addressLock ? ("address", addressLock)
            : throttle.AccountRetryAfter(account) is { } window ? ("account", window)
            : ("", TimeSpan.Zero);
        if (scope.Length > 0)
        {
            await throttle.AuditAsync(http, scope, account, retryAfter);
            return AuthThrottle.Refusal(http, retryAfter);
        }

        var result = await next(context);
        var status = ((result as INestedHttpResult)?.Result ?? result) is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
        if (status == StatusCodes.Status401Unauthorized)
        {
            throttle.AccountFailures.Failed(account);
            throttle.AddressFailures.Failed(address);
        }
        else if (status is >= 200 and < 300)
        {
            throttle.AccountFailures.Succeeded(account);
        }

        return result;
    }
}

/// <summary>Counts wrong passwords per key; past <c>free</c> of them, each locks the key for twice the previous delay.</summary>
public sealed class FailureBackoff(TimeProvider time, int free, TimeSpan first, TimeSpan max)
{
    private const int MaxKeys = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(int Failures, DateTimeOffset LastFailure, DateTimeOffset LockedUntil);

    public TimeSpan? RetryAfter(string key)
    {
        var now = time.GetUtcNow();
        return _entries.TryGetValue(key, out var entry) && now < entry.LockedUntil ? entry.LockedUntil - now : null;
    }

    public void Failed(string key)
    {
        var now = time.GetUtcNow();
        _entries.AddOrUpdate(key, _ => Next(0, now), (_, entry) => Next(Forgotten(entry, now) ? 0 : entry.Failures, now));
        if (_entries.Count > MaxKeys)
        {
            foreach (var (old, entry) in _entries)
            {
                if (Forgotten(entry, now))
                {
                    _entries.TryRemove(old, out _);
                }
            }
        }
    }

    public void Succeeded(string key) => _entries.TryRemove(key, out _);

    /// <summary>The delay after the <paramref name="over"/>-th failure past the free ones: first, 2×first, 4×first, …, at most max.</summary>
    public TimeSpan Delay(int over) => over <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Min(over - 1, 30))));

    private Entry Next(int failures, DateTimeOffset now) => new(failures + 1, now, now + Delay(failures + 1 - free));

    /// <summary>A key that has been quiet for the longest delay past its lock starts again from nothing.</summary>
    private bool Forgotten(Entry entry, DateTimeOffset now) => now > entry.LockedUntil + max;
}
