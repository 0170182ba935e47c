using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace WorkflowControl.Api.Infrastructure.RateLimiting;

/// <summary>The 429 answers of every limit in the API, worded alike.</summary>
public static class TooManyRequests
{
    /// <summary>How long the refused caller should wait, from the limiter's lease (a second when it does not say).</summary>
    public static TimeSpan RetryAfterOf(RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    /// <summary>Whole seconds, rounded up so a client that waits that long gets in.</summary>
    public static long Seconds(TimeSpan retryAfter) => Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));

    /// <summary>
    /// 429 with Retry-After (whole seconds) and no-store, and a ProblemDetails whose detail is
    /// <paramref name="what"/> followed by when to try again.
    /// </summary>
    public static ProblemHttpResult Answer(HttpContext http, TimeSpan retryAfter, string title, string what, string? type = null,
        IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var seconds = Seconds(retryAfter);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: title, type: type,
            detail: $"{what} Try again in {seconds:N0} second{(seconds == 1 ? "" : "s")}.", extensions: extensions);
    }
}
