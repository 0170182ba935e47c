using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Workflows;

/// <summary>Workflows: list, create, import, validate, read, update, delete, export, duplicate (their versions: Features/History).</summary>
public static class WorkflowsFeature
{
    public static IServiceCollection AddWorkflows(this IServiceCollection services) =>
        services.AddSingleton<WorkflowValidator>();

    public static IEndpointRouteBuilder MapWorkflows(this IEndpointRouteBuilder app)
    {
        var workflows = app.MapGroup("/workflows").WithTags("Workflows");
        workflows.MapWorkflowEndpoints();
        workflows.MapGet("/", ListWorkflows.Handle).WithName("ListWorkflows");
        app.MapWorkflowGroup().MapOneWorkflowEndpoints();
        return app;
    }
}
