using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace WorkflowControl.Airflow;

/// <summary>Turns Airflow failures into RFC 9457 problem details a user understands (never a raw 500).</summary>
public static class AirflowProblems
{
    public const string TypeBase = "https://workflowcontrol.io/problems/airflow-";

    public static ProblemDetails ToProblemDetails(AirflowException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var problem = exception switch
        {
            AirflowUnavailableException { AirflowStatus: 429 } e => Problem(StatusCodes.Status503ServiceUnavailable, "busy",
                "Airflow is busy",
                "Airflow asked WorkflowControl to slow down. Try again in a moment." + RetryHint(e.RetryAfter)),
            AirflowUnavailableException e => Problem(StatusCodes.Status503ServiceUnavailable, "unavailable",
                "Airflow is not reachable",
                "WorkflowControl cannot reach Airflow right now. Nothing was lost; try again in a moment." + RetryHint(e.RetryAfter)),
            AirflowUnauthorizedException { Failure: AirflowAuthFailure.TokenRefused } => Problem(StatusCodes.Status502BadGateway, "token-refused",
                "Airflow refused WorkflowControl's sign-in token",
                "Airflow issued a token and then refused it, even after WorkflowControl signed in again. Airflow's API servers probably do not share one signing key: an administrator needs to set the same [api_auth] jwt_secret on every Airflow API server."),
            AirflowUnauthorizedException => Problem(StatusCodes.Status502BadGateway, "unauthorized",
                "WorkflowControl cannot sign in to Airflow",
                "Airflow rejected the credentials WorkflowControl is configured with, or that user may not do this. An administrator needs to check Airflow__Username, Airflow__Password and that user's role in Airflow."),
            AirflowImportErrorException e => Problem(StatusCodes.Status409Conflict, "import-error",
                "The workflow's DAG file has an import error",
                "Airflow cannot load the DAG " + e.DagId + ". Fix the workflow and deploy it again; the deployment shows Airflow's error."),
            AirflowNotFoundException e => Problem(StatusCodes.Status404NotFound, "not-found", "Not found in Airflow", e.Message),
            AirflowConflictException e => Problem(StatusCodes.Status409Conflict, "conflict",
                "Airflow refused the change", e.Message + Reason(e.AirflowMessage)),
            AirflowBadRequestException e => Problem(StatusCodes.Status422UnprocessableEntity, "bad-request",
                "Airflow refused the request", "Airflow said: " + (e.AirflowMessage ?? "no reason given") + "."),
            _ => Problem(StatusCodes.Status502BadGateway, "error", "Airflow failed", "Airflow could not complete the request."),
        };
        if (exception.AirflowStatus is { } status)
        {
            problem.Extensions["airflowStatus"] = status;
        }

        return problem;
    }

    /// <summary>Maps <paramref name="exception"/> when it (or an inner exception) came from Airflow.</summary>
    public static bool TryMap(Exception exception, out ProblemDetails problem)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AirflowException airflow)
            {
                problem = ToProblemDetails(airflow);
                return true;
            }
        }

        problem = null!;
        return false;
    }

    private static ProblemDetails Problem(int status, string type, string title, string detail) =>
        new() { Status = status, Type = TypeBase + type, Title = title, Detail = detail };

    private static string RetryHint(TimeSpan? retryAfter) =>
        retryAfter is { } wait ? $" Airflow expects to be back in about {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s." : "";

    private static string Reason(string? airflowMessage) => airflowMessage is null ? "" : " Airflow said: " + airflowMessage + ".";
}
