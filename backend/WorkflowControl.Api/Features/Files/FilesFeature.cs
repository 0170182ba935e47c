using WorkflowControl.Api.Infrastructure.Auth;

namespace WorkflowControl.Api.Features.Files;

/// <summary>Users' data files (their own, and through a workflow its owner's), run results, and how long results are kept.</summary>
public static class FilesFeature
{
    public static IServiceCollection AddFiles(this IServiceCollection services)
    {
        services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ResultRetention>();
        services.AddHostedService(s => s.GetRequiredService<ResultRetention>());
        return services;
    }

    public static IEndpointRouteBuilder MapFiles(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/files").WithTags("Files").MapFileEndpoints();
        app.MapWorkflowGroup().MapWorkflowFileEndpoints().MapRunResultEndpoints();
        return app;
    }
}
