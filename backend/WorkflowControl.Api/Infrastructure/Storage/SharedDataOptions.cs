namespace WorkflowControl.Api.Infrastructure.Storage;

/// <summary>
/// The shared data root the task library writes to and reads from (users' files, run results, step records), read by
/// previews and by run details alike. Configured as Preview:SharedDataRoot or, shared with Airflow's side, SharedData:Root.
/// </summary>
public sealed class SharedDataOptions
{
    public const string Section = "SharedData";

    /// <summary>Absolute path of the root.</summary>
    public string? Root { get; set; }

    /// <summary>The root when it is usable (set and absolute), else null: features that need it say so instead of guessing.</summary>
    public string? UsableRoot => string.IsNullOrWhiteSpace(Root) || !Path.IsPathFullyQualified(Root) ? null : Root;
}

public static class SharedDataSetup
{
    public static IServiceCollection AddSharedData(this IServiceCollection services, IConfiguration configuration)
    {
        // The preview's own key wins, as it did when only previews read the root.
        services.AddOptions<SharedDataOptions>().Configure(o => o.Root = configuration["Preview:SharedDataRoot"] ?? configuration[SharedDataOptions.Section + ":Root"]);
        services.AddSingleton<DataFolders>();
        return services;
    }
}
