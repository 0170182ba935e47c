using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Dags;

public static class DagGenerationServiceCollectionExtensions
{
    /// <summary>
    /// Registers DAG generation: <see cref="DagRenderer"/>, <see cref="DagPaths"/> (section "Dags", keys Root and Delivery),
    /// <see cref="DagFileWriter"/>, <see cref="GitDagRepository"/>, <see cref="DagPublisher"/>, <see cref="FleetRerender"/> and <see cref="DagTelemetry"/>, all singletons.
    /// A missing or relative Dags:Root fails at start-up.
    /// </summary>
    public static IServiceCollection AddDagGeneration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DagsOptions>()
            .Bind(configuration.GetSection(DagsOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.Root) || Path.IsPathFullyQualified(o.Root), "Dags:Root (env Dags__Root) must be an absolute path.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<DagTelemetry>();
        services.TryAddSingleton<DagRenderer>();
        services.TryAddSingleton(sp => new DagPaths(sp.GetRequiredService<IOptions<DagsOptions>>()));
        services.TryAddSingleton<DagFileWriter>();
        services.TryAddSingleton(sp => new GitDagRepository(sp.GetRequiredService<DagFileWriter>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new DagPublisher(
            sp.GetRequiredService<DagRenderer>(), sp.GetRequiredService<DagFileWriter>(), sp.GetService<DagTelemetry>(),
            sp.GetRequiredService<IOptions<DagsOptions>>().Value.Delivery == DagDelivery.GitBundle ? sp.GetRequiredService<GitDagRepository>() : null));
        services.TryAddSingleton<FleetRerender>();
        return services;
    }
}
