namespace WorkflowControl.Airflow.Http;

/// <summary>
/// Innermost handler of the Airflow clients: measures every request that goes on the wire (each retry and each token
/// renewal counts), labelled by endpoint template, method and status code, "error" when no answer came, or "cancelled" (time-out, or the caller gave up).
/// </summary>
internal sealed class AirflowTelemetryHandler(AirflowTelemetry telemetry, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            telemetry.RecordRequest(request, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), time.GetElapsedTime(started));
            return response;
        }
        catch (OperationCanceledException)
        {
            // The attempt's time-out, or the caller gave up.
            telemetry.RecordRequest(request, "cancelled", time.GetElapsedTime(started));
            throw;
        }
        catch (Exception)
        {
            telemetry.RecordRequest(request, "error", time.GetElapsedTime(started));
            throw;
        }
    }
}
