using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Api.Infrastructure.Telemetry;

namespace WorkflowControl.Api.Features.Collaboration;

/// <summary>
/// The workflow hub: live run updates and editing together (presence, cursors, locks, operations). It also carries
/// what other features send to a workflow's browsers (<see cref="IWorkflowChannel"/>).
/// </summary>
public static class CollaborationFeature
{
    public static IServiceCollection AddCollaboration(this IServiceCollection services, IConfiguration configuration)
    {
        var signalR = services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 64 * 1024;
            o.AddHubTelemetry();
        });
        if (configuration["SignalR:Redis"] is { Length: > 0 } redis)
        {
            // Several API instances: hub messages and group membership travel through Redis (docs/collaboration.md).
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("workflowcontrol"));
        }

        services.Configure<CollaborationOptions>(configuration.GetSection("Collaboration"));
        services.AddSingleton<LiveConnections>();
        services.AddSingleton<CollaborationStore>();
        services.AddSingleton<IInstanceRows>(sp => sp.GetRequiredService<CollaborationStore>());
        services.AddSingleton<OperationLog>();
        services.AddSingleton<AccessChanges>();
        services.AddSingleton<IWorkflowChannel, HubWorkflowChannel>();
        return services;
    }

    public static IEndpointRouteBuilder MapCollaboration(this IEndpointRouteBuilder app)
    {
        // The hub limits its calls itself (Collaboration:CallsPerSecond); long polling would spend the reads budget.
        app.MapHub<WorkflowHub>(WorkflowHub.Path).DisableRateLimiting();
        return app;
    }
}
