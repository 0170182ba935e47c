using Microsoft.Extensions.Logging.Console;

namespace WorkflowControl.Api.Infrastructure.Logging;

/// <summary>
/// One line per event: the simple console format on one line, or JSON with Logging:Console:FormatterName=json; both
/// with scopes (RequestId, TraceId, SpanId) and UTC timestamps (appsettings.json, "Logging:Console"). The timestamp
/// formats differ (the simple format needs a space before the level), so they are set here unless configured.
/// </summary>
public static class LogFormats
{
    public static ILoggingBuilder AddWorkflowLogFormats(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.Services.PostConfigure<SimpleConsoleFormatterOptions>(o => o.TimestampFormat ??= "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ");
        logging.Services.PostConfigure<JsonConsoleFormatterOptions>(o => o.TimestampFormat ??= "yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        return logging;
    }
}
