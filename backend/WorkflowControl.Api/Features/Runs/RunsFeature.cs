using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Infrastructure.Auth;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>Triggering and following runs in Airflow: the run tracker's store and notifications, and the run endpoints.</summary>
public static class RunsFeature
{
    public static IServiceCollection AddRuns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StepRecords>();
        services.AddSingleton<IRunStore, PostgresRunStore>();
        services.AddSingleton<IRunNotifier, LiveRunNotifier>();
        if (configuration.GetValue("Airflow:Tracking:Enabled", true))
        {
            services.AddAirflowRunTracking(configuration);
        }
        else
        {
            services.AddSingleton<IRunWatchList, RunWatchList>();
            services.AddSingleton<IRunTrackerSignal, NoTrackerSignal>();
        }

        return services;
    }

    public static IEndpointRouteBuilder MapRuns(this IEndpointRouteBuilder app)
    {
        app.MapWorkflowGroup().MapRunEndpoints();
        return app;
    }
}
