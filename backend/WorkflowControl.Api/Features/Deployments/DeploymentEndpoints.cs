using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Delivery;
using WorkflowControl.Airflow;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Features.Deployments;

public sealed record DeployRequest(int? Version = null, bool Active = false);

public sealed record RenderRequest(int? Version = null);

/// <param name="Commit">With git delivery (Dags:Delivery = GitBundle), the commit of the DAG repository holding this version; Airflow 3 runs it as the bundle version. Null with folder delivery.</param>
/// <param name="PausedInAirflow">What Airflow last said about the DAG's pause switch (null until asked): a paused DAG's runs wait for ever.</param>
public sealed record Deployment(Guid Id, int Version, string State, string File, string ContentHash, bool Active, string? Message,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Commit, bool? PausedInAirflow = null);

public sealed record RenderedFile(int Version, string Path, string ContentHash, string Content);

/// <summary>
/// Deploying pins a version, renders it, writes the DAG file atomically and records the deployment as 'written';
/// following it to 'parsed' or 'import_error' is the Airflow tracker's job. A dry run returns the file unwritten.
/// </summary>
public static class DeploymentEndpoints
{
    public static RouteGroupBuilder MapDeploymentEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapPost("/deployments", Deploy).RequireWorkflowRole(Role.Edit).WithName("DeployWorkflow");
        workflow.MapGet("/deployments", List).RequireWorkflowRole(Role.View).WithName("ListDeployments");
        workflow.MapPost("/render", Render).RequireWorkflowRole(Role.View).WithName("RenderWorkflow");
        return workflow;
    }

    public static async Task<Results<Created<Deployment>, ProblemHttpResult>> Deploy(
        Guid id, DeployRequest request, ClaimsPrincipal user, NpgsqlDataSource database, DagPublisher publisher, WorkflowValidator validator,
        IAirflowClient airflow, ILogger<DagPublisher> logger, TimeProvider time, CancellationToken ct, bool force = false)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var pinned = await PinAsync(connection, id, request.Version);
        if (pinned is null)
        {
            return Problems.NotFound("version");
        }

        // Collaborative edits store drafts whose steps may still be incomplete; only a complete workflow reaches Airflow.
        if (validator.Validate(pinned.Document) is { IsValid: false } validation)
        {
            return Problems.Invalid(validation.Problems);
        }

        if (publisher.CommitsToGit && await GitDelivery.RefusedByAirflowAsync(airflow, ct) is { } refused)
        {
            return refused;
        }

        var activeRuns = (await connection.QueryAsync<ActiveRun>(
            "SELECT dag_run_id AS run_id, state FROM runs WHERE workflow_id = @id AND state IN ('pending', 'queued', 'running') ORDER BY created_at",
            new { id })).ToList();
        if (ActiveRunsRefusal(activeRuns, force) is { } refusal)
        {
            return refusal;
        }

        PublishedDag published;
        try
        {
            var change = await GitDelivery.DeploymentChangeAsync(connection, user, id, pinned.Version);
            published = publisher.Publish(pinned.Document, id, pinned.Owner, pinned.Version, change);
        }
        catch (DagRepositoryException e)
        {
            logger.LogError("Could not commit workflow {WorkflowId} to the DAG repository: {Reason}", id, e.Message);
            return TypedResults.Problem(statusCode: 503, title: "The DAG repository could not record the deployment",
                detail: "The deployment was not recorded; an administrator has to look at the DAG repository (Dags:Root).");
        }
        catch (DagRenderException e)
        {
            return RenderProblem(e);
        }
        catch (DagPathException e)
        {
            // Someone put a link into the dags folder: an administrator has to look, and the record says who tried when.
            logger.LogWarning("Refused to deploy workflow {WorkflowId}: a symbolic link at {Link} below the dags root", id, e.RelativePath);
            await AuditLog.WriteAsync(connection, null, user, "workflow.deploy_refused", id, new { version = pinned.Version, reason = "symbolic link below the dags root", link = e.RelativePath }, time.GetUtcNow());
            return TypedResults.Problem(statusCode: 409, title: "The DAG file cannot be written safely", detail: e.Message);
        }

        var now = time.GetUtcNow();
        var deploymentId = Guid.NewGuid();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(
            "UPDATE deployments SET state = 'superseded', updated_at = @now WHERE workflow_id = @id AND state <> 'superseded'",
            new { id, now = now.UtcDateTime }, transaction);
        await connection.ExecuteAsync(
            """
            INSERT INTO deployments (id, workflow_id, version, state, file, content_hash, active, message, created_by, created_at, updated_at, git_commit)
            VALUES (@deploymentId, @id, @version, 'written', @file, @hash, @active, @message, @user, @now, @now, @commit)
            """,
            new
            {
                deploymentId, id, version = pinned.Version, file = published.RelativePath, hash = published.ContentHash, active = request.Active,
                message = published.Changed ? null : "The DAG file already held this version; it was left untouched.",
                user = user.GetCaller().UserId, now = now.UtcDateTime, commit = published.Commit,
            },
            transaction);
        await AuditLog.WriteAsync(connection, transaction, user, "workflow.deployed", id, new { deploymentId, version = pinned.Version, file = published.RelativePath, active = request.Active, commit = published.Commit }, now);
        await transaction.CommitAsync(ct);
        return TypedResults.Created($"/workflows/{id}/deployments", (await ReadAsync(connection, id)).First(d => d.Id == deploymentId));
    }

    /// <summary>The deployments, newest first; the current one's pause switch is read from Airflow (a pause in Airflow's UI shows here).</summary>
    public static async Task<Results<Ok<List<Deployment>>, ProblemHttpResult>> List(
        Guid id, NpgsqlDataSource database, IAirflowClient airflow, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var deployments = await ReadAsync(connection, id);
        if (deployments.FirstOrDefault() is { State: "parsed" })
        {
            try
            {
                var dag = await airflow.GetDagAsync(DagPaths.DagId(id), ct);
                await RecordPausedInAirflowAsync(connection, id, dag?.IsPaused);
                deployments = await ReadAsync(connection, id);
            }
            catch (AirflowException)
            {
                // Airflow is away or refuses: what it said last stands.
            }
        }

        return TypedResults.Ok(deployments);
    }

    public static async Task<Results<Ok<RenderedFile>, ProblemHttpResult>> Render(
        Guid id, RenderRequest request, NpgsqlDataSource database, DagRenderer renderer, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var pinned = await PinAsync(connection, id, request.Version);
        if (pinned is null)
        {
            return Problems.NotFound("version");
        }

        try
        {
            var rendered = renderer.Render(pinned.Document, id, pinned.Owner, pinned.Version);
            return TypedResults.Ok(new RenderedFile(pinned.Version, rendered.RelativePath, rendered.ContentHash, rendered.Content));
        }
        catch (DagRenderException e)
        {
            return RenderProblem(e);
        }
    }

    /// <summary>A run of the workflow that has not finished; deploying over it changes the tasks it has not started yet.</summary>
    public sealed record ActiveRun(string RunId, string State);

    /// <summary>How many active runs a refusal names in its text; the <c>activeRuns</c> member lists them all.</summary>
    private const int NamedRuns = 5;

    /// <summary>
    /// Deploying over active runs is refused unless forced: with Airflow's folder delivery a run picks up the new file
    /// for every task it has not started yet, so it would mix versions. Null when the deployment may go ahead.
    /// </summary>
    public static ProblemHttpResult? ActiveRunsRefusal(IReadOnlyList<ActiveRun> activeRuns, bool force)
    {
        if (force || activeRuns.Count == 0)
        {
            return null;
        }

        var named = string.Join(", ", activeRuns.Take(NamedRuns).Select(r => $"{r.RunId} ({r.State})"));
        var more = activeRuns.Count > NamedRuns ? $" and {activeRuns.Count - NamedRuns} more" : "";
        return TypedResults.Problem(
            statusCode: 409,
            title: "The workflow has active runs",
            detail: $"{activeRuns.Count} run(s) of this workflow have not finished: {named}{more}. Deploying now would run their remaining "
                + "tasks with the new version. Wait until they finish, or deploy anyway with ?force=true.",
            extensions: new Dictionary<string, object?> { ["activeRuns"] = activeRuns });
    }

    internal sealed record Pinned(DagOwner Owner, int Version, WorkflowDocument Document)
    {
        public Guid OwnerId => Owner.Id;
    }

    /// <summary>The requested version (the current one by default) with its owner, whose folder the file goes to.</summary>
    internal static async Task<Pinned?> PinAsync(NpgsqlConnection connection, Guid id, int? version)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(Guid OwnerId, string OwnerName, int Version, string Document)?>(
            """
            SELECT w.owner_id, u.display_name, v.version, v.document::text FROM workflows w
            JOIN users u ON u.id = w.owner_id
            JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = coalesce(@version, w.current_version)
            WHERE w.id = @id
            """,
            new { id, version });
        return row is { } r ? new Pinned(new DagOwner(r.OwnerId, r.OwnerName), r.Version, System.Text.Json.JsonSerializer.Deserialize<WorkflowDocument>(r.Document, WorkflowJson.Options)!) : null;
    }

    private static ProblemHttpResult RenderProblem(DagRenderException e) =>
        TypedResults.Problem(statusCode: 422, title: "The workflow cannot become a DAG file",
            detail: $"{(e.Pointer.Length > 0 ? e.Pointer + ": " : "")}{e.Reason} The previous DAG file, if any, is unchanged.");

    private sealed class Row
    {
        public Guid Id { get; init; }
        public int Version { get; init; }
        public string State { get; init; } = "";
        public string File { get; init; } = "";
        public string ContentHash { get; init; } = "";
        public bool Active { get; init; }
        public string? Message { get; init; }
        public Guid CreatedBy { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public string? GitCommit { get; init; }
        public bool? PausedInAirflow { get; init; }
    }

    /// <summary>Remembers Airflow's pause switch on the current deployment; null (Airflow does not know the DAG) changes nothing.</summary>
    public static Task RecordPausedInAirflowAsync(NpgsqlConnection connection, Guid id, bool? paused) =>
        paused is null
            ? Task.CompletedTask
            : connection.ExecuteAsync(
                "UPDATE deployments SET paused_in_airflow = @paused WHERE workflow_id = @id AND state <> 'superseded' AND paused_in_airflow IS DISTINCT FROM @paused",
                new { id, paused });

    private static async Task<List<Deployment>> ReadAsync(NpgsqlConnection connection, Guid id) =>
        (await connection.QueryAsync<Row>(
            "SELECT id, version, state, file, content_hash, active, message, created_by, created_at, updated_at, git_commit, paused_in_airflow FROM deployments WHERE workflow_id = @id ORDER BY created_at DESC, id",
            new { id }))
        .Select(r => new Deployment(r.Id, r.Version, r.State, r.File, r.ContentHash, r.Active, DeploymentStates.ShownMessage(r.State, r.Message, r.File), r.CreatedBy, WorkflowRows.Utc(r.CreatedAt), WorkflowRows.Utc(r.UpdatedAt), r.GitCommit, r.PausedInAirflow))
        .ToList();
}
