using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace WorkflowControl.Api.Infrastructure.Http;

/// <summary>
/// Turns what escapes an endpoint into ProblemDetails: malformed requests become 400/413 with a message that names
/// the problem; anything unexpected becomes a 500 without stack trace, SQL or type names.
/// </summary>
public sealed partial class ExceptionHandling(IProblemDetailsService problemDetails, ILogger<ExceptionHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (WorkflowControl.Airflow.AirflowProblems.TryMap(exception, out var airflowProblem))
        {
            // Airflow's failures are expected outcomes for users (down, not parsed yet, refused), worded by the client.
            logger.LogWarning("Airflow request failed on {Method} {Path}: {Title}", httpContext.Request.Method, httpContext.Request.Path, airflowProblem.Title);
            httpContext.Response.StatusCode = airflowProblem.Status ?? 502;
            if (RetryAfterOf(exception) is { } seconds)
            {
                // Also when Airflow's Retry-After was too long to wait for here: the caller may wait for it instead.
                httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = airflowProblem });
        }

        var (status, title, detail) = Describe(exception);
        if (status == 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>Whole seconds Airflow (or the circuit breaker) asked callers to wait, when it said.</summary>
    internal static int? RetryAfterOf(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is WorkflowControl.Airflow.AirflowUnavailableException { RetryAfter: { } wait })
            {
                return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            }
        }

        return null;
    }

    internal static (int Status, string Title, string Detail) Describe(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: 413 } => (413, "Request too large", "The request body is larger than this endpoint accepts."),
        BadHttpRequestException { InnerException: JsonException json } => (400, "Bad request", JsonMessage(json)),
        BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
        JsonException json => (400, "Bad request", JsonMessage(json)),
        // PostgreSQL text holds no NUL character (22021), jsonb no \u0000 (22P05): whichever field of a body carried one.
        Npgsql.PostgresException { SqlState: "22021" or "22P05" } => (400, "Bad request", "Text may not contain NUL characters (U+0000)."),
        OperationCanceledException => (499, "Request cancelled", "The request was cancelled."),
        _ => (500, "Unexpected error", "Something went wrong on our side. It has been logged; try again, and tell us if it keeps happening."),
    };

    private static string JsonMessage(JsonException json)
    {
        // System.Text.Json names .NET types in its messages; users need the field, not our class names.
        var unknown = UnknownMember().Match(json.Message);
        if (unknown.Success)
        {
            return $"Unknown field '{unknown.Groups[1].Value}'.";
        }

        var path = string.IsNullOrEmpty(json.Path) ? "" : $" at {json.Path}";
        return json.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
            ? $"The JSON nests too deeply{path}."
            : $"The request body is not valid JSON for this endpoint{path}.";
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();
}
