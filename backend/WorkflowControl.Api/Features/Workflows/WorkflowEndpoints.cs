using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WorkflowControl.Api.Features.Audit;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Delivery;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Api.Infrastructure.Storage;
using WorkflowControl.Core.Permissions;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>Create, read, update (optimistic concurrency), delete, import/export, duplicate and validate workflows.</summary>
public static class WorkflowEndpoints
{
    /// <summary>Routes under /workflows that name no workflow yet.</summary>
    public static RouteGroupBuilder MapWorkflowEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/validate", Validate).Accepts<WorkflowDocument>("application/json").WithName("ValidateWorkflow");
        group.MapPost("/", Create).Accepts<WorkflowDocument>("application/json").WithName("CreateWorkflow");
        group.MapPost("/import", Create).Accepts<WorkflowDocument>("application/json").WithName("ImportWorkflow");
        return group;
    }

    /// <summary>Routes of one workflow, in the /workflows/{id} group that checks the role.</summary>
    public static RouteGroupBuilder MapOneWorkflowEndpoints(this RouteGroupBuilder workflow)
    {
        workflow.MapGet("/", Get).RequireWorkflowRole(Role.View).WithName("GetWorkflow");
        workflow.MapPut("/", Update).RequireWorkflowRole(Role.Edit).Accepts<WorkflowDocument>("application/json").WithName("UpdateWorkflow");
        workflow.MapDelete("/", Delete).RequireWorkflowRole(Role.Manage).WithName("DeleteWorkflow");
        workflow.MapGet("/export", Export).RequireWorkflowRole(Role.View).WithName("ExportWorkflow");
        workflow.MapPost("/duplicate", Duplicate).RequireWorkflowRole(Role.View).WithName("DuplicateWorkflow");
        return workflow;
    }

    public static async Task<Results<Ok<ValidationReport>, ProblemHttpResult>> Validate(HttpRequest request, WorkflowValidator validator, CancellationToken ct)
    {
        var (body, problem) = await DocumentBody.ReadAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        // The same answer create, import and update would give: 400 with every problem, or 200 when it would be saved.
        var result = validator.Validate(body);
        return result.IsValid ? TypedResults.Ok(new ValidationReport(true, result.Problems)) : Problems.Invalid(result.Problems);
    }

    public static async Task<Results<Created<WorkflowDetail>, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, Guid? organisationId, WorkflowValidator validator, NpgsqlDataSource database, TimeProvider time, CancellationToken ct)
    {
        var (document, problem) = await DocumentBody.ReadValidAsync(request, validator, ct);
        if (problem is not null)
        {
            return problem;
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        if (await CreationProblemAsync(connection, user.GetCaller(), organisationId) is { } denied)
        {
            return denied;
        }

        var withMode = ExecutionModes.WithDefault(document!, isNew: true);
        var id = await InsertAsync(connection, user, withMode, Access.CreationOrganisation(user.GetCaller(), organisationId), time.GetUtcNow(), "workflow.created");
        if (id is null)
        {
            return KeyTaken(document!.Metadata.Key);
        }

        var detail = (await WorkflowRows.DetailAsync(connection, id.Value, Role.Owner))!;
        request.HttpContext.Response.Headers.ETag = ETags.For(detail.Version);
        return TypedResults.Created($"/workflows/{id}", detail);
    }

    public static async Task<Results<Ok<WorkflowDetail>, ProblemHttpResult>> Get(Guid id, HttpContext http, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var detail = await WorkflowRows.DetailAsync(connection, id, http.WorkflowRole());
        if (detail is null)
        {
            return Problems.NotFound();
        }

        http.Response.Headers.ETag = ETags.For(detail.Version);
        return TypedResults.Ok(detail);
    }

    public static async Task<Results<Ok<WorkflowDetail>, ProblemHttpResult>> Update(
        Guid id, HttpRequest request, ClaimsPrincipal user, WorkflowValidator validator, NpgsqlDataSource database, IWorkflowChannel browsers, TimeProvider time, CancellationToken ct)
    {
        if (ETags.ParseIfMatch(request.Headers.IfMatch.ToString()) is not { } expected)
        {
            return TypedResults.Problem(statusCode: 428, title: "Precondition required",
                detail: "Send the version your change is based on in an If-Match header (the ETag of GET /workflows/{id}), so a newer version is never overwritten.");
        }

        var (document, problem) = await DocumentBody.ReadValidAsync(request, validator, ct);
        if (problem is not null)
        {
            return problem;
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        var outcome = await SaveAsync(connection, user, id, expected, document!, time.GetUtcNow(), "workflow.updated", ct);
        if (outcome.Problem is not null)
        {
            return outcome.Problem;
        }

        await browsers.DocumentChangedAsync(id, outcome.Detail!.Version);
        request.HttpContext.Response.Headers.ETag = ETags.For(outcome.Detail.Version);
        return TypedResults.Ok(outcome.Detail);
    }

    /// <summary>
    /// Appends a version when <paramref name="expectedVersion"/> is still current; the row lock makes concurrent
    /// saves on the same base version queue up, so exactly one of them wins and the rest get 412.
    /// </summary>
    internal static async Task<(WorkflowDetail? Detail, ProblemHttpResult? Problem)> SaveAsync(
        NpgsqlConnection connection, ClaimsPrincipal user, Guid id, int expectedVersion, WorkflowDocument document, DateTimeOffset now, string auditAction, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Lock the workflow row alone: a join here would be re-checked against the winner's new version and miss.
        var current = await connection.QuerySingleOrDefaultAsync<int?>(
            "SELECT current_version FROM workflows WHERE id = @id FOR UPDATE", new { id }, transaction);
        if (current is null)
        {
            return (null, Problems.NotFound());
        }

        var role = await WorkflowAccess.RoleOfAsync(connection, user.GetCaller(), id, transaction);
        if (current.Value != expectedVersion)
        {
            await transaction.RollbackAsync(ct);
            var latest = await WorkflowRows.DetailAsync(connection, id, role);
            return (null, TypedResults.Problem(
                statusCode: 412,
                title: "The workflow changed since you loaded it",
                detail: $"Your change is based on version {expectedVersion}, but version {current.Value} is current. Nothing was saved: reload, or save your change as a copy.",
                extensions: new Dictionary<string, object?> { ["currentVersion"] = current.Value, ["current"] = latest }));
        }

        var existing = (await WorkflowRows.DetailAsync(connection, id, role, transaction))!;
        var previousExecution = existing.Document.TryGetProperty("spec", out var spec) && spec.TryGetProperty("execution", out var mode) && mode.ValueKind == System.Text.Json.JsonValueKind.String
            ? mode.GetString()
            : null;
        document = ExecutionModes.WithDefault(document, isNew: false, previousExecution);
        if (System.Text.Json.JsonElement.DeepEquals(existing.Document, WorkflowJson.ToElement(document)))
        {
            // Saving the same document again is not a new version.
            await transaction.RollbackAsync(ct);
            return (existing, null);
        }

        try
        {
            await WorkflowRows.AppendVersionAsync(connection, transaction, id, expectedVersion + 1, document, user.GetCaller().UserId, now);
        }
        catch (PostgresException e) when (WorkflowRows.IsUniqueViolation(e))
        {
            return (null, KeyTaken(document.Metadata.Key));
        }

        await AuditLog.WriteAsync(connection, transaction, user, auditAction, id, new { version = expectedVersion + 1 }, now);
        await transaction.CommitAsync(ct);
        return (await WorkflowRows.DetailAsync(connection, id, role), null);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource database, WorkflowControl.Dags.DagPublisher dags, WorkflowControl.Airflow.IAirflowClient airflow,
        DataFolders folders, ILogger<WorkflowDocument> logger, TimeProvider time, CancellationToken ct, bool deleteResults = false)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var deleter = await GitDelivery.ReadAsync(connection, user, id);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var (name, owner) = await connection.QuerySingleAsync<(string Name, Guid Owner)>("DELETE FROM workflows WHERE id = @id RETURNING name, owner_id", new { id }, transaction);
        await AuditLog.WriteAsync(connection, transaction, user, "workflow.deleted", id, new { name, deleteResults }, time.GetUtcNow());
        await transaction.CommitAsync(ct);
        // Only after the commit: a failed delete must not leave Airflow without the DAG of a workflow that still exists.
        try
        {
            dags.Remove(owner, id, GitDelivery.DeletionChange(user, deleter.Name, deleter.Email, name, id));
        }
        catch (WorkflowControl.Dags.DagRepositoryException e)
        {
            // The workflow is gone; its file stays in the repository until the next change there succeeds.
            logger.LogWarning("Deleted workflow {WorkflowId}, but could not commit the removal of its DAG file: {Reason}", id, e.Message);
        }
        catch (WorkflowControl.Dags.DagPathException e)
        {
            // The workflow is gone; its file stays until an administrator replaces the link (nothing outside the root is deleted).
            logger.LogWarning("Deleted workflow {WorkflowId}, but left its DAG file: a symbolic link at {Link} below the dags root", id, e.RelativePath);
            await AuditLog.WriteAsync(connection, null, user, "workflow.dag_file_kept", id, new { reason = "symbolic link below the dags root", link = e.RelativePath }, time.GetUtcNow());
        }

        try
        {
            await airflow.DeleteDagAsync(WorkflowControl.Dags.DagPaths.DagId(id), ct);
        }
        catch (WorkflowControl.Airflow.AirflowException e)
        {
            // The workflow is gone either way; without its file Airflow marks the DAG inactive by itself.
            logger.LogWarning("Deleted workflow {WorkflowId}, but Airflow kept its DAG's history: {Reason}", id, e.Message);
        }
        if (deleteResults && folders.WorkflowFolder(owner, id) is { } results && Directory.Exists(results) && new DirectoryInfo(results).LinkTarget is null)
        {
            // The runs' files (<owner>/<workflow>/...); the owner's data folder, where exports went, stays.
            Directory.Delete(results, recursive: true);
        }

        return TypedResults.NoContent();
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Export(Guid id, HttpContext http, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var detail = (await WorkflowRows.DetailAsync(connection, id, http.WorkflowRole()))!;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"workflow-{id}.json\"";
        http.Response.Headers.ETag = ETags.For(detail.Version);
        return TypedResults.Text(System.Text.Json.JsonSerializer.Serialize(detail.Document, ExportJson), "application/json");
    }

    public static async Task<Results<Created<WorkflowDetail>, ProblemHttpResult>> Duplicate(
        Guid id, HttpContext http, ClaimsPrincipal user, NpgsqlDataSource database, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        if (await CreationProblemAsync(connection, user.GetCaller(), null) is { } cannotCreate)
        {
            return cannotCreate;
        }

        var source = (await WorkflowRows.DetailAsync(connection, id, http.WorkflowRole()))!;
        var document = System.Text.Json.JsonSerializer.Deserialize<WorkflowDocument>(source.Document, WorkflowJson.Options)!;
        var copy = document with { Metadata = document.Metadata with { Name = Truncate($"Copy of {document.Metadata.Name}", 200), Key = null } };
        var newId = (await InsertAsync(connection, user, copy, null, time.GetUtcNow(), "workflow.duplicated"))!.Value;
        return TypedResults.Created($"/workflows/{newId}", (await WorkflowRows.DetailAsync(connection, newId, Role.Owner))!);
    }

    private static readonly System.Text.Json.JsonSerializerOptions ExportJson = new(WorkflowJson.Options) { WriteIndented = true };

    private static async Task<Guid?> InsertAsync(NpgsqlConnection connection, ClaimsPrincipal user, WorkflowDocument document, Guid? organisationId, DateTimeOffset now, string auditAction)
    {
        var id = Guid.NewGuid();
        var owner = user.GetCaller().UserId;
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO workflows (id, owner_id, organisation_id, key, name, description, tags, current_version, created_at, updated_at)
                VALUES (@id, @owner, @organisationId, @key, @name, @description, @tags, 0, @now, @now)
                """,
                new { id, owner, organisationId, key = document.Metadata.Key, name = document.Metadata.Name, description = document.Metadata.Description, tags = document.Metadata.Tags.ToArray(), now = now.UtcDateTime },
                transaction);
        }
        catch (PostgresException e) when (WorkflowRows.IsUniqueViolation(e))
        {
            return null;
        }

        await WorkflowRows.AppendVersionAsync(connection, transaction, id, 1, document, owner, now);
        await AuditLog.WriteAsync(connection, transaction, user, auditAction, id, new { version = 1, organisationId }, now);
        await transaction.CommitAsync();
        return id;
    }

    /// <summary>Whether the caller may create a workflow there (<see cref="Access.TokenCreationProblem"/>, <see cref="Access.CreateInOrganisation"/>).</summary>
    private static async Task<ProblemHttpResult?> CreationProblemAsync(NpgsqlConnection connection, Caller caller, Guid? organisationId)
    {
        var organisation = Access.CreationOrganisation(caller, organisationId);
        if (Access.TokenCreationProblem(caller, organisation) is { } tokenProblem)
        {
            return Problems.Forbidden(tokenProblem);
        }

        if (organisation is null)
        {
            return null;
        }

        var memberRole = await connection.ExecuteScalarAsync<short?>(
            "SELECT role FROM organisation_members WHERE organisation_id = @organisation AND user_id = @user",
            new { organisation, user = caller.UserId });
        return Access.CreateInOrganisation((Role?)memberRole) switch
        {
            AccessOutcome.NotFound => Problems.NotFound("organisation"),
            AccessOutcome.Forbidden => Problems.Forbidden("Creating workflows in this organisation needs the 'edit' role there."),
            _ => null,
        };
    }

    private static ProblemHttpResult KeyTaken(string? key) =>
        Problems.Conflict($"Another of your workflows already uses the key '{key}'. Keys are unique per owner; choose another or update that workflow.");

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}

/// <summary>Versions travel as strong ETags: "3".</summary>
public static class ETags
{
    public static string For(int version) => $"\"{version}\"";

    public static int? ParseIfMatch(string header)
    {
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        value = value.Trim('"');
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version > 0 ? version : null;
    }
}
