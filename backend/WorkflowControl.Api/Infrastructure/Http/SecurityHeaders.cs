namespace WorkflowControl.Api.Infrastructure.Http;

/// <summary>Response headers that keep browsers from misreading answers or keeping tokens.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Every answer says nosniff, so a browser never runs a JSON or text answer as script or style. Set when the
    /// answer starts, so error answers (whose headers the exception handler clears) carry it too.
    /// </summary>
    public static IApplicationBuilder UseNoSniff(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>Answers that carry a token (a session or an API token) are never stored by a browser or a proxy.</summary>
    public static TBuilder CarriesTokens<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            context.HttpContext.Response.Headers.Pragma = "no-cache";
            return await next(context);
        });
}
