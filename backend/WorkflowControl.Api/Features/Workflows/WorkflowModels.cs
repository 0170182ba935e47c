using System.Text.Json;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>A workflow with its current document, as the editor and the CLI read it.</summary>
public sealed record WorkflowDetail(
    Guid Id,
    int Version,
    string Role,
    Guid OwnerId,
    string OwnerName,
    Guid? OrganisationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string ContentHash,
    JsonElement Document);

public sealed record WorkflowSummary(
    Guid Id,
    string? Key,
    string Name,
    string? Description,
    IReadOnlyList<string> Tags,
    Guid OwnerId,
    string OwnerName,
    Guid? OrganisationId,
    string Role,
    int Version,
    DateTimeOffset UpdatedAt,
    RunSummary? LastRun,
    DateTimeOffset? NextRunAt,
    string? DeploymentState);

public sealed record RunSummary(string State, DateTimeOffset? StartedAt);

public sealed record WorkflowPage(IReadOnlyList<WorkflowSummary> Items, int Total, int Page, int PageSize);

public sealed record VersionDetail(int Version, DateTimeOffset CreatedAt, Guid CreatedBy, string ContentHash, JsonElement Document);

public sealed record ValidationReport(bool Valid, IReadOnlyList<Core.Workflows.ValidationProblem> Problems);

public sealed record DiffResult(int From, int To, IReadOnlyList<Core.Workflows.WorkflowChange> Changes);
