using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Features.Files;

/// <summary>
/// A file a step of a run produced. <paramref name="Location"/> "run": in the run's folder, downloaded from
/// <c>/workflows/{id}/runs/{runId}/results/{Name}</c>; "files": exported into the owner's data folder, downloaded from
/// <c>/workflows/{id}/files/{Name}</c>. <paramref name="Kind"/>: table, image, report, data, model or other.
/// </summary>
public sealed record ResultFile(string Name, long Bytes, string Kind, string Location);

/// <summary>
/// What one step of a run left: rows and columns of its table and their names (from its group's record; null when
/// unknown, e.g. per-step runs) and its files. The editor offers the column names in the next steps' column pickers.
/// </summary>
public sealed record StepResult(string StepId, string? State, long? Rows, int? Columns, IReadOnlyList<string>? ColumnNames, IReadOnlyList<ResultFile> Files);

public sealed record RunResults(string RunId, IReadOnlyList<StepResult> Steps);

/// <summary>What a run produced, per step, from the run's folder under the shared data root (view role; 404 otherwise).</summary>
public static class RunResultEndpoints
{
    public static RouteGroupBuilder MapRunResultEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapGet("/runs/{runId}/results", List).RequireWorkflowRole(Role.View).WithName("ListRunResults");
        workflow.MapGet("/runs/{runId}/results/{name}", Download).RequireWorkflowRole(Role.View).WithName("DownloadRunResult");
        return workflow;
    }

    public static async Task<Results<Ok<RunResults>, ProblemHttpResult>> List(
        Guid id, string runId, NpgsqlDataSource database, DataFolders folders, StepRecords records, CancellationToken ct)
    {
        var (owner, folder, refused) = await RunFolderAsync(database, folders, id, runId, ct);
        if (refused is not null)
        {
            return refused;
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var plan = await RunPlan.LoadAsync(connection, id, runId);
        var entries = new Dictionary<string, StepRecordEntry>(StringComparer.Ordinal);
        foreach (var group in plan?.Groups ?? [])
        {
            foreach (var (step, entry) in records.Read(owner, id, runId, group.TaskId)?.Steps ?? new Dictionary<string, StepRecordEntry>())
            {
                entries[step] = entry;
            }
        }

        var stepIds = plan?.Groups.SelectMany(g => g.Steps).ToList() ?? [];
        var files = RunFiles(folder!, stepIds);
        if (plan is null)
        {
            // A run of a version this API does not know: its files stand for its steps.
            if (files.Count == 0)
            {
                return Problems.NotFound("run");
            }

            stepIds = [.. files.Keys.Order(StringComparer.Ordinal)];
        }

        var userFiles = folders.UserFiles(owner)!;
        var steps = stepIds.Select(step =>
        {
            entries.TryGetValue(step, out var entry);
            var own = files.GetValueOrDefault(step) ?? [];
            if (ExportedFile(entry?.Result, owner, userFiles) is { } exported)
            {
                own = [.. own, exported];
            }

            return new StepResult(step, entry?.State, entry?.Rows, entry?.Columns, ColumnNames(entry?.Result), own);
        }).ToList();
        return TypedResults.Ok(new RunResults(runId, steps));
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(
        Guid id, string runId, string name, NpgsqlDataSource database, DataFolders folders, CancellationToken ct)
    {
        var (_, folder, refused) = await RunFolderAsync(database, folders, id, runId, ct);
        if (refused is not null)
        {
            return refused;
        }

        // One file name of the run's folder, nothing below or above it.
        var (target, problem) = DataFolders.Confine(folder!, name);
        return problem is null && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('\\', StringComparison.Ordinal) && File.Exists(target)
            ? FileEndpoints.Stream(target!)
            : Problems.NotFound("result");
    }

    /// <summary>The run's folder (the route checked the view role), or the 503 without a data root.</summary>
    private static async Task<(Guid Owner, string? Folder, ProblemHttpResult? Refused)> RunFolderAsync(
        NpgsqlDataSource database, DataFolders folders, Guid id, string runId, CancellationToken ct)
    {
        var owner = await FileEndpoints.OwnerOfAsync(database, id, ct);
        return folders.RunFolder(owner, id, runId) is { } folder ? (owner, folder, null) : (owner, null, FileEndpoints.NoDataRoot());
    }

    /// <summary>
    /// The files of a run's folder by step: a step writes <c>&lt;step&gt;.&lt;ext&gt;</c> and <c>&lt;step&gt;_&lt;what&gt;.&lt;ext&gt;</c>;
    /// a name goes to the longest step id it starts with, so step "sales_model" does not take step "sales"'s files.
    /// </summary>
    public static Dictionary<string, List<ResultFile>> RunFiles(string folder, IReadOnlyList<string> stepIds)
    {
        var byStep = new Dictionary<string, List<ResultFile>>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            return byStep;
        }

        var longestFirst = stepIds.OrderByDescending(s => s.Length).ToList();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles().Where(f => !f.Name.StartsWith('.') && f.LinkTarget is null).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var step = longestFirst.FirstOrDefault(s => file.Name.Length > s.Length && file.Name.StartsWith(s, StringComparison.Ordinal) && file.Name[s.Length] is '.' or '_')
                ?? Path.GetFileNameWithoutExtension(file.Name);
            (byStep.TryGetValue(step, out var list) ? list : byStep[step] = []).Add(new ResultFile(file.Name, file.Length, KindOf(file.Name), "run"));
        }

        return byStep;
    }

    private static List<string>? ColumnNames(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Object } reference && reference.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Array && schema.GetArrayLength() > 0
            ? [.. schema.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String).Select(c => c.GetProperty("name").GetString()!)]
            : null;

    public static string KindOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".wct" or ".parquet" => "table",
        ".png" or ".svg" => "image",
        ".html" => "report",
        ".csv" or ".json" or ".jsonl" or ".xlsx" or ".txt" => "data",
        ".joblib" => "model",
        _ => "other",
    };

    /// <summary>
    /// A file an export step wrote into the owner's data folder: its record's result names the path as Airflow's
    /// workers see it (their own data root), so it is found by what follows <c>&lt;owner&gt;/files/</c>.
    /// </summary>
    private static ResultFile? ExportedFile(JsonElement? result, Guid owner, string userFiles)
    {
        if (result is not { ValueKind: JsonValueKind.Object } reference || !reference.TryGetProperty("path", out var p) || p.GetString() is not { } path)
        {
            return null;
        }

        var marker = $"/{owner:D}/files/";
        var at = path.Replace('\\', '/').IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var relative = path[(at + marker.Length)..];
        var (target, problem) = DataFolders.Confine(userFiles, relative);
        return problem is null && File.Exists(target) ? new ResultFile(relative, new FileInfo(target!).Length, KindOf(relative), "files") : null;
    }
}
