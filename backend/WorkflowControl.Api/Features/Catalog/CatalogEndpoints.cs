using Microsoft.AspNetCore.Http.HttpResults;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Catalog;

/// <summary>The task catalog and the workflow document schema, for the editor's palette and forms and for CI tooling.</summary>
public static class CatalogEndpoints
{
    public static IServiceCollection AddCatalog(this IServiceCollection services) =>
        services.AddSingleton<ITaskCatalog>(EmbeddedTaskCatalog.Instance);

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/task-types", TaskTypes).WithName("ListTaskTypes").WithTags("Catalog");
        app.MapGet("/schemas/workflow.v1.json", Schema).AllowAnonymous().WithName("WorkflowSchema").WithTags("Catalog");
        return app;
    }

    public static Ok<IReadOnlyList<TaskType>> TaskTypes(ITaskCatalog catalog) => TypedResults.Ok(catalog.All);

    public static ContentHttpResult Schema() => TypedResults.Text(WorkflowSchema.Text, "application/schema+json");
}
