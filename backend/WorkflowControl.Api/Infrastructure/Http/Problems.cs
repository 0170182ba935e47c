using Microsoft.AspNetCore.Http.HttpResults;
using ValidationProblem = WorkflowControl.Core.Workflows.ValidationProblem;

namespace WorkflowControl.Api.Infrastructure.Http;

/// <summary>The RFC 9457 problem responses of the API, in one place so every endpoint words them alike.</summary>
public static class Problems
{
    /// <summary>Used both for what does not exist and for what the caller may not see, so the two cannot be told apart.</summary>
    public static ProblemHttpResult NotFound(string what = "workflow") =>
        TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No {what} with that id exists, or you do not have access to it.");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: 403, title: "Not allowed", detail: detail);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: 409, title: "Conflict", detail: detail);

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: 400, title: "Bad request", detail: detail);

    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(statusCode: 413, title: "Request too large", detail: $"The request body exceeds the limit of {limit:N0} bytes.");

    public static ProblemHttpResult Invalid(IReadOnlyList<ValidationProblem> problems) =>
        TypedResults.Problem(
            statusCode: 400,
            title: "The workflow is not valid",
            detail: problems.Count == 1 ? $"{Where(problems[0])}{problems[0].Message}" : $"{problems.Count} problems were found; see 'problems'.",
            type: "https://workflowcontrol.io/problems/invalid-workflow",
            extensions: new Dictionary<string, object?> { ["problems"] = problems });

    private static string Where(ValidationProblem p) => p.Pointer.Length == 0 ? "" : $"{p.Pointer}: ";
}
