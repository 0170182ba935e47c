namespace WorkflowControl.Api.Infrastructure.Http;

/// <summary>
/// Every answer names its request: the X-Request-Id header and, on errors, the ProblemDetails' requestId. Both are
/// ASP.NET Core's request id (HttpContext.TraceIdentifier), the RequestId that every log line of the request carries
/// in its scope, so an error a user reports leads straight to its log lines.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Request-Id";

    public const string ProblemExtension = "requestId";

    /// <summary>Set when the answer starts, so error answers (whose headers the exception handler clears) carry it too.</summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>For AddProblemDetails: every ProblemDetails the API writes names its request.</summary>
    public static void AddTo(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.ProblemDetails.Extensions[ProblemExtension] = context.HttpContext.TraceIdentifier;
    }
}
