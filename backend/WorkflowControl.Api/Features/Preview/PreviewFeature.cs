using WorkflowControl.Api.Infrastructure.Auth;

namespace WorkflowControl.Api.Features.Preview;

/// <summary>Data previews: a task and its ancestors run on a sample through the task library, outside Airflow.</summary>
public static class PreviewFeature
{
    public static IServiceCollection AddPreview(this IServiceCollection services)
    {
        services.AddOptions<PreviewOptions>().BindConfiguration(PreviewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PreviewRunner>();
        return services;
    }

    public static IEndpointRouteBuilder MapPreview(this IEndpointRouteBuilder app)
    {
        app.MapWorkflowGroup().MapPreviewEndpoints();
        return app;
    }
}
