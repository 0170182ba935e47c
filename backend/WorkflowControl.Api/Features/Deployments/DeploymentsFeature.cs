using WorkflowControl.Api.Infrastructure.Auth;

namespace WorkflowControl.Api.Features.Deployments;

/// <summary>Deploying a version as a DAG file, a dry-run render, and following deployments until Airflow has parsed them.</summary>
public static class DeploymentsFeature
{
    public static IServiceCollection AddDeployments(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetValue("Airflow:Deployments:Enabled", true))
        {
            services.AddSingleton<DeploymentFollower>();
            services.AddHostedService(sp => sp.GetRequiredService<DeploymentFollower>());
        }

        return services;
    }

    public static IEndpointRouteBuilder MapDeployments(this IEndpointRouteBuilder app)
    {
        app.MapWorkflowGroup().MapDeploymentEndpoints();
        return app;
    }
}
