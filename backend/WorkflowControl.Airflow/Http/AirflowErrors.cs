using System.Net;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Refit;

namespace WorkflowControl.Airflow.Http;

/// <summary>Translates HTTP outcomes of Airflow calls into <see cref="AirflowException"/>s at the boundary.</summary>
internal static class AirflowErrors
{
    private const int MaxMessageLength = 300;

    /// <summary>
    /// Runs one Refit call. Refit hands transport failures back inside the response (ApiRequestException, no
    /// status); they become <see cref="AirflowUnavailableException"/>, and an <see cref="AirflowException"/> raised
    /// by the authentication handler surfaces as itself.
    /// </summary>
    public static async Task<T> Send<T>(Func<Task<T>> call, CancellationToken ct)
        where T : IApiResponse
    {
        T response;
        try
        {
            response = await call().ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            throw FromStatus(e.StatusCode, e.Content, RetryAfter(e.Headers), "The requested item");
        }
        catch (Exception e) when (Transport(e, ct) is { } mapped)
        {
            throw mapped;
        }

        if (response.Error is ApiRequestException { InnerException: { } inner } && Transport(inner, ct) is { } failure)
        {
            throw failure;
        }

        return response;
    }

    private static Exception? Transport(Exception e, CancellationToken ct) => e switch
    {
        AirflowException airflow => airflow,
        OperationCanceledException when ct.IsCancellationRequested => new OperationCanceledException(ct),
        BrokenCircuitException => new AirflowUnavailableException("Airflow failed repeatedly; WorkflowControl pauses requests for a moment.", null, null, e),
        TimeoutRejectedException or TaskCanceledException => new AirflowUnavailableException("Airflow did not answer in time.", null, null, e),
        HttpRequestException => new AirflowUnavailableException("Airflow is not reachable.", null, null, e),
        ApiRequestException { InnerException: { } inner } => Transport(inner, ct),
        _ => null,
    };

    /// <summary>Throws the matching exception unless the response succeeded.</summary>
    public static void EnsureSuccess(IApiResponse response, string what, string? dagId = null)
    {
        if (response.IsSuccessful && response.Error is null)
        {
            return;
        }

        if (response.IsSuccessful && response.Error is { } error)
        {
            // Airflow answered 2xx with a body this client cannot read: a contract break, not the user's fault.
            throw new AirflowUnavailableException("Airflow sent an answer WorkflowControl does not understand.", (int?)response.StatusCode, null, error);
        }

        throw FromStatus(response.StatusCode ?? HttpStatusCode.BadGateway, ErrorContent(response), RetryAfter(response.Headers), what, dagId);
    }

    /// <summary>The body of a failed response, as Airflow sent it.</summary>
    public static string? ErrorContent(IApiResponse response) => (response.Error as ApiException)?.Content;

    public static T Content<T>(IApiResponse<T> response, string what, string? dagId = null)
    {
        EnsureSuccess(response, what, dagId);
        return response.Content ?? throw new AirflowUnavailableException("Airflow sent an empty answer.", (int?)response.StatusCode);
    }

    public static AirflowException FromStatus(HttpStatusCode status, string? content, TimeSpan? retryAfter, string what, string? dagId = null)
    {
        var code = (int)status;
        var message = Message(content);
        return code switch
        {
            401 or 403 => new AirflowUnauthorizedException(code, message, AuthFailureOf(message)),
            404 => new AirflowNotFoundException(what + " was not found in Airflow.", message),
            409 => new AirflowConflictException(what + " conflicts with Airflow's current state.", message),
            400 when dagId is not null && message is not null && message.Contains("import error", StringComparison.OrdinalIgnoreCase)
                => new AirflowImportErrorException(dagId, message),
            400 or 422 => new AirflowBadRequestException(code, message),
            429 => new AirflowUnavailableException("Airflow is busy.", code, retryAfter),
            >= 500 or 408 => new AirflowUnavailableException("Airflow failed to answer (HTTP " + code + ").", code, retryAfter),
            _ => new AirflowBadRequestException(code, message),
        };
    }

    /// <summary>
    /// Why Airflow refused us, from its words: 3.x says "Invalid JWT token", "Token Expired" or "Not authenticated"
    /// about a token; anything else (2.10's 403 "Forbidden" for a wrong password, 3.x's "Forbidden" for a missing
    /// permission, "Invalid credentials" from /auth/token) concerns the configured user.
    /// </summary>
    public static AirflowAuthFailure AuthFailureOf(string? message) =>
        message is not null && (message.Contains("token", StringComparison.OrdinalIgnoreCase) || message.Contains("Not authenticated", StringComparison.OrdinalIgnoreCase))
            ? AirflowAuthFailure.TokenRefused
            : AirflowAuthFailure.CredentialsRefused;

    /// <summary>Retry-After in seconds (the form Airflow and proxies send); an HTTP-date is ignored.</summary>
    public static TimeSpan? RetryAfter(System.Net.Http.Headers.HttpResponseHeaders? headers) => headers?.RetryAfter?.Delta;

    /// <summary>
    /// Airflow's explanation: 2.x problem+json detail/title, 3.x detail string, the reason of 3.x's
    /// IntegrityError object (never its SQL statement), or the first 3.x validation message.
    /// </summary>
    public static string? Message(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(content);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? text = null;
            if (root.TryGetProperty("detail", out var detail))
            {
                text = detail.ValueKind switch
                {
                    JsonValueKind.String => detail.GetString(),
                    JsonValueKind.Object => Str(detail, "reason") ?? Str(detail, "message"),
                    JsonValueKind.Array when detail.GetArrayLength() > 0 => Validation(detail[0]),
                    _ => null,
                };
            }

            text ??= Str(root, "title");
            return text is null ? null : Clean(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Validation(JsonElement item)
    {
        var msg = Str(item, "msg");
        if (msg is null)
        {
            return null;
        }

        return item.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array
            ? string.Join('.', loc.EnumerateArray().Select(l => l.ToString())) + ": " + msg
            : msg;
    }

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Clean(string text)
    {
        // A traceback has no place in a user-facing message: keep the first line only.
        var firstLine = text.Split('\n', 2)[0].Trim();
        return firstLine.Length <= MaxMessageLength ? firstLine : firstLine[..MaxMessageLength] + "…";
    }
}
