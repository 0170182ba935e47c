namespace WorkflowControl.Airflow;

/// <summary>Base of every failure the Airflow client reports. Messages never hold credentials, tokens, SQL or stack traces.</summary>
public abstract class AirflowException : Exception
{
    protected AirflowException(string message, int? airflowStatus, string? airflowMessage, Exception? inner = null)
        : base(message, inner)
    {
        AirflowStatus = airflowStatus;
        AirflowMessage = airflowMessage;
    }

    /// <summary>HTTP status Airflow answered with, null when it did not answer.</summary>
    public int? AirflowStatus { get; }

    /// <summary>Airflow's own explanation, trimmed and cleaned of internals.</summary>
    public string? AirflowMessage { get; }
}

/// <summary>Airflow did not answer, answered 5xx, timed out, or the circuit is open after repeated failures.</summary>
public sealed class AirflowUnavailableException(string message, int? airflowStatus = null, TimeSpan? retryAfter = null, Exception? inner = null)
    : AirflowException(message, airflowStatus, null, inner)
{
    /// <summary>When Airflow (429/503) or the circuit breaker says to come back.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>What Airflow refused when it answered 401 or 403.</summary>
public enum AirflowAuthFailure
{
    /// <summary>
    /// The configured user name and password, or that user's permissions: 2.10 answers 403 "Forbidden" for a wrong
    /// password and 3.x the same for a missing permission, so the words cannot tell the two apart.
    /// </summary>
    CredentialsRefused,

    /// <summary>A freshly issued token, e.g. when Airflow's API servers do not share one JWT signing key.</summary>
    TokenRefused,
}

/// <summary>Airflow refused WorkflowControl's credentials, a permission or its token (401/403).</summary>
public sealed class AirflowUnauthorizedException(int status, string? airflowMessage, AirflowAuthFailure failure = AirflowAuthFailure.CredentialsRefused)
    : AirflowException(failure switch
    {
        AirflowAuthFailure.TokenRefused => "Airflow refused WorkflowControl's sign-in token.",
        _ => "Airflow rejected WorkflowControl's credentials.",
    }, status, airflowMessage)
{
    public AirflowAuthFailure Failure { get; } = failure;
}

/// <summary>Airflow has no such DAG, run, task instance, file or log (404).</summary>
public sealed class AirflowNotFoundException(string message, string? airflowMessage)
    : AirflowException(message, 404, airflowMessage);

/// <summary>The request conflicts with Airflow's state (409), e.g. a DAG that still has running tasks.</summary>
public sealed class AirflowConflictException(string message, string? airflowMessage)
    : AirflowException(message, 409, airflowMessage);

/// <summary>Airflow refused the request as invalid (400/422); <see cref="AirflowException.AirflowMessage"/> says why.</summary>
public sealed class AirflowBadRequestException(int status, string? airflowMessage)
    : AirflowException("Airflow refused the request: " + (airflowMessage ?? "no reason given") + ".", status, airflowMessage);

/// <summary>The DAG's file cannot be imported by Airflow, so the DAG cannot run.</summary>
public sealed class AirflowImportErrorException(string dagId, string? airflowMessage)
    : AirflowException("The DAG " + dagId + " has import errors in Airflow.", 400, airflowMessage)
{
    public string DagId { get; } = dagId;
}
