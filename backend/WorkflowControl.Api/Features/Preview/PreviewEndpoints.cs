using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Preview;

public sealed record PreviewRequest(int? Limit = null);

public sealed record PreviewColumn(string Name, string Type, string? Timezone = null);

/// <summary>The first rows a task produces on a sample of its input, with the column types the task library sees.</summary>
public sealed record PreviewResult(IReadOnlyList<Dictionary<string, JsonElement>> Rows, IReadOnlyList<PreviewColumn> Schema);

/// <summary>
/// Data preview of one task of the workflow's current version: the task and its ancestors run on a sample through the
/// task library, as the owner (whose files and secrets they read). Runs nothing in Airflow and writes no result.
/// </summary>
public static class PreviewEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapPreviewEndpoints(this RouteGroupBuilder workflow)
    {
        // Execute, not view: a preview runs the owner's steps with the owner's files and secrets.
        workflow.MapPost("/tasks/{taskId}/preview", Preview).RequireWorkflowRole(Role.Execute).WithName("PreviewTask");
        return workflow;
    }

    public static async Task<Results<Ok<PreviewResult>, ProblemHttpResult>> Preview(
        Guid id, string taskId, PreviewRequest? request, NpgsqlDataSource database, ITaskCatalog catalog,
        PreviewRunner runner, CancellationToken ct)
    {
        var limit = request?.Limit ?? DefaultLimit;
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest($"limit must be between 1 and {MaxLimit}.");
        }

        DeploymentEndpoints.Pinned pinned;
        await using (var connection = await database.OpenConnectionAsync(ct))
        {
            pinned = (await DeploymentEndpoints.PinAsync(connection, id, null))!;
        }

        var plan = PreviewPlan.For(pinned.Document, taskId, catalog);
        if (plan.Problem is { } refused)
        {
            return refused;
        }

        var (conf, _) = RunParams.Resolve(pinned.Document.Spec.Params, null);
        var outcome = await runner.RunAsync(plan.Request(pinned.OwnerId, limit, conf), ct);
        return outcome switch
        {
            PreviewOutcome.Rows rows => TypedResults.Ok(ReadResult(rows.Answer)),
            PreviewOutcome.TaskProblem p => TypedResults.Problem(statusCode: 422, title: "The preview failed",
                detail: $"{Where(p)}{p.Problem}.",
                extensions: new Dictionary<string, object?> { ["task"] = p.Task, ["field"] = p.Field }),
            PreviewOutcome.TimedOut t => TypedResults.Problem(statusCode: 504, title: "The preview took too long",
                detail: $"The preview was stopped after {t.After.TotalSeconds:0} seconds. A slow or unreachable source, or a large input, can cause this; try fewer rows."),
            PreviewOutcome.TooLarge l => TypedResults.Problem(statusCode: 422, title: "The preview is too large",
                detail: $"The preview's rows exceed {l.Limit / 1024:N0} KiB; ask for fewer rows."),
            PreviewOutcome.Unavailable u => TypedResults.Problem(statusCode: 503, title: "Data preview is not available",
                detail: $"Data preview is not available: {u.Reason}."),
            _ => TypedResults.Problem(statusCode: 500, title: "The preview failed unexpectedly",
                detail: "The preview process ended without an answer; the server log has the details."),
        };
    }

    private static string Where(PreviewOutcome.TaskProblem p) =>
        (p.Task, p.Field) switch
        {
            (null, null) => "",
            (null, { } field) => $"Field '{field}': ",
            ({ } task, null) => $"Task {task}: ",
            ({ } task, { } field) => $"Task {task}, field '{field}': ",
        };

    private static PreviewResult ReadResult(JsonElement answer) =>
        new(answer.GetProperty("rows").Deserialize<List<Dictionary<string, JsonElement>>>() ?? [],
            answer.GetProperty("schema").Deserialize<List<PreviewColumn>>(JsonSerializerOptions.Web) ?? []);
}

/// <summary>Which tasks a preview runs (the task and its ancestors, dependencies first), or why it cannot.</summary>
internal sealed record PreviewPlan(WorkflowTask? Target, IReadOnlyList<WorkflowTask> Ancestors, ProblemHttpResult? Problem)
{
    public static PreviewPlan For(WorkflowDocument document, string taskId, ITaskCatalog catalog)
    {
        var byId = document.Spec.Tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        if (!byId.TryGetValue(taskId, out var target))
        {
            return Refuse(Problems.NotFound("task"));
        }

        var needed = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(target.DependsOn);
        while (pending.TryPop(out var next))
        {
            if (byId.TryGetValue(next, out var task) && needed.Add(next))
            {
                foreach (var dependency in task.DependsOn)
                {
                    pending.Push(dependency);
                }
            }
        }

        var ancestors = WorkflowGraph.TopologicalOrder(document.Spec.Tasks).Where(t => needed.Contains(t.Id)).ToList();
        foreach (var task in ancestors.Prepend(target))
        {
            var type = catalog.Find(task.Type);
            if (type is null || !type.Preview)
            {
                var title = type?.Title ?? task.Type;
                var detail = task == target
                    ? $"Tasks of type '{title}' have no data preview: they write or send data rather than produce a table."
                    : $"This task reads the result of '{task.Id}' ({title}), which has no data preview, so it cannot be previewed either.";
                return Refuse(TypedResults.Problem(statusCode: 422, title: "No data preview for this task", detail: detail));
            }
        }

        return new PreviewPlan(target, ancestors, null);
    }

    private static PreviewPlan Refuse(ProblemHttpResult problem) => new(null, [], problem);

    /// <summary>The task library's preview request (see airflow/src/workflowcontrol_tasks/preview.py).</summary>
    public JsonObject Request(Guid ownerId, int limit, JsonObject? runParams)
    {
        var request = Step(Target!);
        request.Remove("id");
        request["upstream"] = new JsonArray(Ancestors.Select(t => (JsonNode?)Step(t)).ToArray());
        request["limit"] = limit;
        request["ownerId"] = ownerId.ToString();
        request["params"] = runParams ?? new JsonObject();
        return request;
    }

    private static JsonObject Step(WorkflowTask task) => new()
    {
        ["id"] = task.Id,
        ["taskType"] = task.Type,
        ["config"] = JsonNode.Parse(task.Config.GetRawText()),
        ["dependsOn"] = new JsonArray(task.DependsOn.Select(d => (JsonNode?)d).ToArray()),
    };
}
