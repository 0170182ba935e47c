using System.Net;
using Microsoft.Extensions.Logging;

namespace WorkflowControl.Airflow.Http;

/// <summary>
/// The Airflow clients' only request log (HttpClient's own, about ten lines per request, is switched off for them):
/// one Debug line per request on the wire, one Warning per failure, each with the endpoint as a route template (never
/// the filled URL), the method, the status (or "error" / "cancelled" when no answer came) and the duration.
/// </summary>
/// <remarks>
/// 404 and 409 are answers the client expects and turns into results (a DAG not parsed yet, a run that already
/// exists), so they are not failures here. Innermost, like the telemetry handler: each retry and token renewal is a line.
/// </remarks>
internal sealed partial class AirflowRequestLogHandler(ILogger<AirflowRequestLogHandler> logger, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (IsFailure(response.StatusCode))
            {
                LogFailure(request.Method.Method, AirflowTelemetry.EndpointOf(request), status.ToString(System.Globalization.CultureInfo.InvariantCulture), Milliseconds(started));
            }
            else
            {
                LogRequest(request.Method.Method, AirflowTelemetry.EndpointOf(request), status, Milliseconds(started));
            }

            return response;
        }
        catch (OperationCanceledException)
        {
            // The attempt's time-out, or the caller gave up: the exception says nothing more.
            LogFailure(request.Method.Method, AirflowTelemetry.EndpointOf(request), "cancelled", Milliseconds(started));
            throw;
        }
        catch (HttpRequestException exception)
        {
            // The kind of error only: the exception's message may quote the filled URL.
            LogFailure(request.Method.Method, AirflowTelemetry.EndpointOf(request), "error " + exception.HttpRequestError, Milliseconds(started));
            throw;
        }
    }

    /// <summary>Whether an answer is a failure worth a warning (see the remarks for 404 and 409).</summary>
    internal static bool IsFailure(HttpStatusCode status) =>
        (int)status >= 400 && status is not HttpStatusCode.NotFound and not HttpStatusCode.Conflict;

    private long Milliseconds(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Airflow {Method} {Endpoint} answered {Status} in {ElapsedMs} ms")]
    private partial void LogRequest(string method, string endpoint, int status, long elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Airflow {Method} {Endpoint} failed: {Status} after {ElapsedMs} ms")]
    private partial void LogFailure(string method, string endpoint, string status, long elapsedMs);
}
