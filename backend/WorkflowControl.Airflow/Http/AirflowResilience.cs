using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace WorkflowControl.Airflow.Http;

/// <summary>
/// Retry (only safe or idempotent requests, exponential back-off with jitter, Retry-After honoured) around a
/// circuit breaker (fails fast while Airflow is down) around a per-attempt time-out. All timing uses the
/// pipeline's TimeProvider, so tests drive it with fake time.
/// </summary>
internal static partial class AirflowResilience
{
    /// <summary>Request option set by the Refit interfaces on requests that may be repeated without a second effect.</summary>
    public const string Idempotent = "WorkflowControl.Airflow.Idempotent";

    private static readonly HttpRequestOptionsKey<bool> IdempotentKey = new(Idempotent);

    /// <param name="client">Names the pipeline's circuit in metrics: "api", or "auth" for the token requests.</param>
    public static void Configure(
        ResiliencePipelineBuilder<HttpResponseMessage> builder, AirflowOptions options, TimeProvider time, AirflowTelemetry telemetry, ILogger logger, string client)
    {
        builder.TimeProvider = time;
        telemetry.CircuitClosed(client);
        builder
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Context.GetRequestMessage(), args.Outcome, options)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    telemetry.RecordRetry(args.Context.GetRequestMessage(), FailureOf(args.Outcome));
                    return ValueTask.CompletedTask;
                },
            })
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.BreakMinimumThroughput,
                SamplingDuration = options.BreakSamplingDuration,
                BreakDuration = options.BreakDuration,
                // A 429 proves Airflow is up: slow down, but do not cut it off.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                OnOpened = args =>
                {
                    // Requests fail fast from now on without reaching the request log: this line stands for them.
                    LogCircuitOpened(logger, client, (long)args.BreakDuration.TotalSeconds);
                    telemetry.CircuitOpened(client);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    telemetry.CircuitHalfOpened(client);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(logger, client);
                    telemetry.CircuitClosed(client);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout });
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Airflow circuit {Client} opened: requests fail fast for {BreakSeconds} s")]
    private static partial void LogCircuitOpened(ILogger logger, string client, long breakSeconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Airflow circuit {Client} closed: Airflow answers again")]
    private static partial void LogCircuitClosed(ILogger logger, string client);

    /// <summary>A retry's cause as a metric label: the status code, or the kind of failure without its message.</summary>
    private static string FailureOf(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
        { Exception: Polly.Timeout.TimeoutRejectedException } => "timeout",
        { Exception: HttpRequestException } => "connection",
        _ => "error",
    };

    private static bool ShouldRetry(HttpRequestMessage? request, Outcome<HttpResponseMessage> outcome, AirflowOptions options) =>
        options.MaxRetries > 0
        && IsRepeatable(request)
        && HttpClientResiliencePredicates.IsTransient(outcome)
        // A Retry-After longer than we are willing to hold the caller: fail now and let the caller come back.
        && (RetryAfter(outcome.Result) is not { } wait || wait <= options.MaxRetryAfter);

    /// <summary>GET/HEAD/OPTIONS always; other methods only when the caller marked the request idempotent.</summary>
    public static bool IsRepeatable(HttpRequestMessage? request) =>
        request is not null
        && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options
            || (request.Options.TryGetValue(IdempotentKey, out var idempotent) && idempotent));

    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response?.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            return null;
        }

        return AirflowErrors.RetryAfter(response.Headers) is { } wait && wait > TimeSpan.Zero ? wait : null;
    }
}
