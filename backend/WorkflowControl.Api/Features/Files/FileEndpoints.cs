using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Features.Files;

/// <summary>A file in a data folder; <paramref name="Path"/> is relative to the folder, with '/' between parts.</summary>
public sealed record DataFile(string Path, long Bytes, DateTimeOffset ModifiedAt);

public sealed record DataFileList(IReadOnlyList<DataFile> Items);

/// <summary>
/// A data folder, the one CSV steps read and file exports write: <c>/files</c> is the caller's own, and
/// <c>/workflows/{id}/files</c> the folder of the workflow's owner, whose runs read it (view to list and download,
/// edit to upload and delete; 404 for a workflow the caller may not see). Uploads follow the task library's path
/// rules and stop at Files:MaxUploadBytes (413).
/// </summary>
public static class FileEndpoints
{
    /// <summary>Room for the multipart envelope around the file itself.</summary>
    private const long EnvelopeBytes = 64 * 1024;

    public static RouteGroupBuilder MapFileEndpoints(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(RefuseNarrowTokens);
        group.MapGet("/", ListOwn).WithName("ListMyFiles");
        group.MapPost("/", UploadOwn).WithName("UploadMyFile");
        group.MapGet("/{**path}", DownloadOwn).WithName("DownloadMyFile");
        group.MapDelete("/{**path}", DeleteOwn).WithName("DeleteMyFile");
        return group;
    }

    public static RouteGroupBuilder MapWorkflowFileEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapGet("/files", List).RequireWorkflowRole(Role.View).WithName("ListWorkflowFiles");
        workflow.MapPost("/files", Upload).RequireWorkflowRole(Role.Edit).WithName("UploadWorkflowFile");
        workflow.MapGet("/files/{**path}", Download).RequireWorkflowRole(Role.View).WithName("DownloadWorkflowFile");
        workflow.MapDelete("/files/{**path}", Delete).RequireWorkflowRole(Role.Edit).WithName("DeleteWorkflowFile");
        return workflow;
    }

    /// <summary>The caller's own folder is outside any workflow's role check: an API token is held to its scope here.</summary>
    private static async ValueTask<object?> RefuseNarrowTokens(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var write = !HttpMethods.IsGet(context.HttpContext.Request.Method) && !HttpMethods.IsHead(context.HttpContext.Request.Method);
        return Access.OwnDataFolderProblem(context.HttpContext.User.GetCaller(), write) is { } problem
            ? Problems.Forbidden(problem)
            : await next(context);
    }

    public static Results<Ok<DataFileList>, ProblemHttpResult> ListOwn(ClaimsPrincipal user, DataFolders folders) =>
        folders.UserFiles(user.GetCaller().UserId) is { } folder ? TypedResults.Ok(ListFolder(folder)) : NoDataRoot();

    public static async Task<Results<Created<DataFile>, ProblemHttpResult>> UploadOwn(
        HttpRequest request, ClaimsPrincipal user, DataFolders folders, IOptions<FilesOptions> options, NpgsqlDataSource database, TimeProvider time,
        CancellationToken ct, string? path = null, bool overwrite = false)
    {
        var result = await ReceiveAsync(request, folders.UserFiles(user.GetCaller().UserId), options.Value.MaxUploadBytes, path, overwrite, ct);
        await AuditUploadAsync(result, database, user, null, time, ct);
        return result;
    }

    public static Results<FileStreamHttpResult, ProblemHttpResult> DownloadOwn(string path, ClaimsPrincipal user, DataFolders folders) =>
        Send(folders.UserFiles(user.GetCaller().UserId), path);

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteOwn(
        string path, ClaimsPrincipal user, DataFolders folders, NpgsqlDataSource database, TimeProvider time, CancellationToken ct)
    {
        var result = Remove(folders.UserFiles(user.GetCaller().UserId), path);
        await AuditDeleteAsync(result, database, user, null, path, time, ct);
        return result;
    }

    public static async Task<Results<Ok<DataFileList>, ProblemHttpResult>> List(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource database, DataFolders folders, CancellationToken ct)
    {
        var owner = await OwnerOfAsync(database, id, ct);

        return folders.UserFiles(owner) is { } folder ? TypedResults.Ok(ListFolder(folder)) : NoDataRoot();
    }

    public static async Task<Results<Created<DataFile>, ProblemHttpResult>> Upload(
        Guid id, HttpRequest request, ClaimsPrincipal user, NpgsqlDataSource database, DataFolders folders, IOptions<FilesOptions> options,
        TimeProvider time, CancellationToken ct, string? path = null, bool overwrite = false)
    {
        var owner = await OwnerOfAsync(database, id, ct);

        var result = await ReceiveAsync(request, folders.UserFiles(owner), options.Value.MaxUploadBytes, path, overwrite, ct);
        await AuditUploadAsync(result, database, user, id, time, ct);
        return result;
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(
        Guid id, string path, ClaimsPrincipal user, NpgsqlDataSource database, DataFolders folders, CancellationToken ct)
    {
        return Send(folders.UserFiles(await OwnerOfAsync(database, id, ct)), path);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, string path, ClaimsPrincipal user, NpgsqlDataSource database, DataFolders folders, TimeProvider time, CancellationToken ct)
    {
        var owner = await OwnerOfAsync(database, id, ct);

        var result = Remove(folders.UserFiles(owner), path);
        await AuditDeleteAsync(result, database, user, id, path, time, ct);
        return result;
    }

    private static async Task AuditUploadAsync(Results<Created<DataFile>, ProblemHttpResult> result, NpgsqlDataSource database, ClaimsPrincipal user, Guid? workflowId, TimeProvider time, CancellationToken ct)
    {
        if (result.Result is Created<DataFile> { Value: { } file })
        {
            await using var connection = await database.OpenConnectionAsync(ct);
            await AuditLog.WriteAsync(connection, null, user, "file.uploaded", workflowId, new { path = file.Path, bytes = file.Bytes }, time.GetUtcNow());
        }
    }

    private static async Task AuditDeleteAsync(Results<NoContent, ProblemHttpResult> result, NpgsqlDataSource database, ClaimsPrincipal user, Guid? workflowId, string path, TimeProvider time, CancellationToken ct)
    {
        if (result.Result is NoContent)
        {
            await using var connection = await database.OpenConnectionAsync(ct);
            await AuditLog.WriteAsync(connection, null, user, "file.deleted", workflowId, new { path }, time.GetUtcNow());
        }
    }

    /// <summary>The workflow's owner, whose data folder its files are in (the caller's role was checked by the route).</summary>
    internal static async Task<Guid> OwnerOfAsync(NpgsqlDataSource database, Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<Guid>("SELECT owner_id FROM workflows WHERE id = @id", new { id });
    }

    internal static ProblemHttpResult NoDataRoot() =>
        TypedResults.Problem(statusCode: 503, title: "No data folder", detail: "This server has no shared data folder configured (SharedData:Root), so it keeps no files.");

    private static DataFileList ListFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return new DataFileList([]);
        }

        // Symbolic links are neither followed nor listed: the task library refuses them in paths too.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        var items = new DirectoryInfo(folder).EnumerateFiles("*", options)
            .Where(f => !f.Name.StartsWith('.'))
            .Select(f => new DataFile(Path.GetRelativePath(folder, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.Length, f.LastWriteTimeUtc))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return new DataFileList(items);
    }

    private static async Task<Results<Created<DataFile>, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request, string? folder, long maxBytes, string? path, bool overwrite, CancellationToken ct)
    {
        if (folder is null)
        {
            return NoDataRoot();
        }

        if (request.ContentLength > maxBytes + EnvelopeBytes)
        {
            return TooLarge(maxBytes);
        }

        // The server-wide request limit is for JSON bodies; an upload may carry up to its own limit.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBytes + EnvelopeBytes;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Problems.BadRequest("Send the file as multipart/form-data, in a part named 'file'.");
        }

        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()
                || disposition.Name.Value?.Trim('"') != "file")
            {
                continue;
            }

            var name = path is { Length: > 0 } ? path : (disposition.FileNameStar.Value ?? disposition.FileName.Value)?.Trim('"');
            var (target, problem) = DataFolders.Confine(folder, name ?? "");
            if (problem is not null)
            {
                return Problems.BadRequest(problem);
            }

            if (File.Exists(target) && !overwrite)
            {
                return Problems.Conflict($"'{name}' is already in your data folder; upload with overwrite to replace it.");
            }

            if (await WriteAsync(section.Body, target!, folder, maxBytes, ct) is { } refused)
            {
                return refused;
            }

            return TypedResults.Created((string?)null, Describe(folder, new FileInfo(target!)));
        }

        return Problems.BadRequest("Send the file as multipart/form-data, in a part named 'file'.");
    }

    /// <summary>Streams the part into a hidden file beside the target, then renames it: a refused or broken upload leaves nothing.</summary>
    private static async Task<ProblemHttpResult?> WriteAsync(Stream body, string target, string folder, long maxBytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                long written = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    written += read;
                    if (written > maxBytes)
                    {
                        return TooLarge(maxBytes);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }

            // Checked again at the end: a link put in place during the upload must not be written through.
            if (DataFolders.Confine(folder, Path.GetRelativePath(folder, target)).Problem is { } problem)
            {
                return Problems.BadRequest(problem);
            }

            File.Move(temporary, target, overwrite: true);
            return null;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static Results<FileStreamHttpResult, ProblemHttpResult> Send(string? folder, string path)
    {
        if (folder is null)
        {
            return NoDataRoot();
        }

        var (target, problem) = DataFolders.Confine(folder, path);
        return problem is null && File.Exists(target) ? Stream(target!) : Problems.NotFound("file");
    }

    private static Results<NoContent, ProblemHttpResult> Remove(string? folder, string path)
    {
        if (folder is null)
        {
            return NoDataRoot();
        }

        var (target, problem) = DataFolders.Confine(folder, path);
        if (problem is not null || !File.Exists(target))
        {
            return Problems.NotFound("file");
        }

        File.Delete(target!);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// A file as a download. Never rendered in the API's origin (attachment, nosniff, sandboxed): the editor shows
    /// charts and reports from a blob in a sandboxed frame.
    /// </summary>
    internal static FileStreamHttpResult Stream(string file)
    {
        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, useAsync: true);
        return TypedResults.File(stream, ContentTypeOf(file), Path.GetFileName(file), lastModified: File.GetLastWriteTimeUtc(file));
    }

    internal static string ContentTypeOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".svg" => "image/svg+xml",
        ".html" => "text/html",
        ".csv" => "text/csv",
        ".txt" or ".log" => "text/plain",
        ".json" => "application/json",
        ".jsonl" => "application/x-ndjson",
        ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    };

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem(statusCode: 413, title: "File too large", detail: $"Files may be at most {Size(maxBytes)}; this one is larger.");

    internal static string Size(long bytes) => bytes switch
    {
        >= 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024 * 1024):0.#} GiB",
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        >= 1024 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };

    private static DataFile Describe(string folder, FileInfo file) =>
        new(Path.GetRelativePath(folder, file.FullName).Replace(Path.DirectorySeparatorChar, '/'), file.Length, file.LastWriteTimeUtc);
}
