using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Telemetry;

namespace WorkflowControl.Api.Infrastructure.RateLimiting;

/// <summary>The budgets a request can draw on; each caller has one of each.</summary>
public enum RequestBudget
{
    Reads,
    Writes,
    Triggers,
    Previews,
}

/// <summary>One budget: <see cref="Limit"/> requests per <see cref="Window"/>.</summary>
public sealed class BudgetOptions
{
    [Range(1, int.MaxValue)]
    public int Limit { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Configuration section "RateLimits": requests per window for each user and each API token, per budget.</summary>
public sealed class ApiRateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>GET requests (workflows, runs, logs, deployments, catalog, ...).</summary>
    public BudgetOptions Reads { get; set; } = new() { Limit = 600 };

    /// <summary>Other methods: saves, deploys, cancels, pauses, collaborators, tokens, ...</summary>
    public BudgetOptions Writes { get; set; } = new() { Limit = 120 };

    /// <summary>Runs triggered and tasks retried: each one is work for Airflow.</summary>
    public BudgetOptions Triggers { get; set; } = new() { Limit = 30 };

    /// <summary>Data previews: each one is a Python process on the API's machine.</summary>
    public BudgetOptions Previews { get; set; } = new() { Limit = 20 };

    public BudgetOptions Of(RequestBudget budget) => budget switch
    {
        RequestBudget.Reads => Reads,
        RequestBudget.Writes => Writes,
        RequestBudget.Triggers => Triggers,
        _ => Previews,
    };
}

/// <summary>Validates each budget and names the key at fault (ValidateDataAnnotations does not look into nested objects).</summary>
public sealed class ApiRateLimitValidation : IValidateOptions<ApiRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiRateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var budget in Enum.GetValues<RequestBudget>())
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options.Of(budget), new ValidationContext(options.Of(budget)), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{ApiRateLimitOptions.Section}:{budget}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Per-user and per-API-token limits with ASP.NET Core's rate limiter, as its global limiter: each caller (an API
/// token, else the signed-in user, else the client address) has a fixed window per budget, on
/// <see cref="TimeProvider"/> time. A refusal is 429 with Retry-After and a ProblemDetails naming the limit.
/// Not limited here: endpoints with a policy of their own (sign-in and sign-up, Features/Auth's AuthThrottle) and
/// endpoints that disable limiting (health, metrics, OpenAPI, the hub, which limits its calls itself).
/// </summary>
public static class ApiRateLimits
{
    public const string ProblemType = "https://workflowcontrol.io/problems/rate-limited";

    /// <summary>
    /// Endpoints whose cost is not their HTTP method's, by endpoint name; kept in one table so it reads like
    /// docs/configuration.md. Every other endpoint is a read (GET, HEAD) or a write.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, RequestBudget> ByEndpointName = new Dictionary<string, RequestBudget>(StringComparer.Ordinal)
    {
        ["TriggerRun"] = RequestBudget.Triggers,
        ["RetryTask"] = RequestBudget.Triggers,
        ["PreviewTask"] = RequestBudget.Previews,
    };

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<ApiRateLimitOptions>().BindConfiguration(ApiRateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiRateLimitOptions>, ApiRateLimitValidation>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiRateLimitOptions>, TimeProvider>((o, limits, time) =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, limits.Value, time));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>The budget a request draws on; null when this limiter leaves it alone.</summary>
    public static RequestBudget? BudgetOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null)
        {
            return null;
        }

        if (endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is { } name && ByEndpointName.TryGetValue(name, out var budget))
        {
            return budget;
        }

        return HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? RequestBudget.Reads : RequestBudget.Writes;
    }

    /// <summary>Whose budget: the API token's, else the user's, else the client address's (anonymous requests).</summary>
    public static (string Key, string Kind) CallerOf(ClaimsPrincipal user, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.GetTokenId() is { } token)
        {
            return ("token:" + token, "API token");
        }

        return user.FindFirstValue(WfcClaims.UserId) is { } userId
            ? ("user:" + userId, "user")
            : ("address:" + AddressOf(http), "client address");
    }

    /// <summary>The client's address, the key of the per-address limits (here and for sign-in attempts).</summary>
    public static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static string Name(RequestBudget budget) => budget.ToString().ToLowerInvariant();

    private static RateLimitPartition<string> Partition(HttpContext http, ApiRateLimitOptions limits, TimeProvider time)
    {
        if (!limits.Enabled || BudgetOf(http) is not { } budget)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var options = limits.Of(budget);
        return RateLimitPartition.Get($"{Name(budget)}|{CallerOf(http.User, http).Key}", _ => new TimeWindowLimiter(time, options.Limit, options.Window));
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var budget = BudgetOf(http) ?? RequestBudget.Writes;
        var options = http.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value.Of(budget);
        var name = Name(budget);
        http.RequestServices.GetRequiredService<ApiTelemetry>().RateLimited(name);
        var retryAfter = TooManyRequests.RetryAfterOf(context.Lease);
        var answer = TooManyRequests.Answer(http, retryAfter, "Too many requests",
            $"The '{name}' limit allows {options.Limit:N0} requests per {Describe(options.Window)} for each {CallerOf(http.User, http).Kind}, and they are used up.",
            ProblemType,
            new Dictionary<string, object?>
            {
                ["limit"] = name,
                ["permitLimit"] = options.Limit,
                ["windowSeconds"] = (long)options.Window.TotalSeconds,
                ["retryAfterSeconds"] = TooManyRequests.Seconds(retryAfter),
            });
        await answer.ExecuteAsync(http);
    }

    private static string Describe(TimeSpan window) =>
        window.TotalSeconds % 3600 == 0 ? Plural((long)window.TotalHours, "hour")
        : window.TotalSeconds % 60 == 0 ? Plural((long)window.TotalMinutes, "minute")
        : Plural((long)window.TotalSeconds, "second");

    private static string Plural(long n, string unit) => n == 1 ? unit : $"{n:N0} {unit}s";
}
