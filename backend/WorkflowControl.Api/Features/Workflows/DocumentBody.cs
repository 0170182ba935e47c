using Microsoft.AspNetCore.Http.HttpResults;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>Reads a workflow document body, refusing anything over the 2 MB limit before it is buffered whole.</summary>
public static class DocumentBody
{
    public static async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        const int limit = WorkflowValidator.MaxDocumentBytes;
        if (request.ContentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return (null, Problems.TooLarge(limit));
            }
        }

        return buffer.Length == 0
            ? (null, Problems.BadRequest("The request body is empty; send a workflow document as JSON."))
            : (buffer.ToArray(), null);
    }

    /// <summary>Reads a body and validates it as create, import and update do: the document, or the problem to answer.</summary>
    public static async Task<(WorkflowDocument? Document, ProblemHttpResult? Problem)> ReadValidAsync(HttpRequest request, WorkflowValidator validator, CancellationToken ct)
    {
        var (body, problem) = await ReadAsync(request, ct);
        if (problem is not null)
        {
            return (null, problem);
        }

        var validation = validator.Validate(body);
        return validation.IsValid ? (validation.Document!, null) : (null, Problems.Invalid(validation.Problems));
    }
}
