using WorkflowControl.Airflow;
using WorkflowControl.Airflow.Tracking;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Realtime;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>Triggering and following runs in Airflow: the run tracker's store and notifications, and the run endpoints.</summary>
public static class RunsFeature
{
    public static IServiceCollection AddRuns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StepRecords>();
        services.AddSingleton<IRunStore, PostgresRunStore>();
        services.AddSingleton<IRunNotifier, LiveRunNotifier>();
        // Watched runs live in PostgreSQL: the instance that polls Airflow may not be the one the browser talks to.
        services.AddSingleton<PostgresRunWatchList>();
        services.AddSingleton<IRunWatchList>(sp => sp.GetRequiredService<PostgresRunWatchList>());
        services.AddSingleton<IInstanceRows>(sp => sp.GetRequiredService<PostgresRunWatchList>());
        if (configuration.GetValue("Airflow:Tracking:Enabled", true))
        {
            // Early polls asked on any instance reach the one that polls (before the tracker registers itself as the signal).
            services.AddSingleton<PollRequests>();
            services.AddSingleton<IRunTrackerSignal>(sp => sp.GetRequiredService<PollRequests>());
            services.AddHostedService(sp => sp.GetRequiredService<PollRequests>());
            services.AddAirflowRunTracking(configuration);
        }
        else
        {
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
