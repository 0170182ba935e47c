using System.Globalization;
using System.Reflection;
using Dapper;
using DbUp;
using Npgsql;

namespace WorkflowControl.Api.Infrastructure.Database;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "WorkflowControl";

    public static IServiceCollection AddWorkflowDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException($"Configuration 'ConnectionStrings:{ConnectionStringName}' is missing: set it to an Npgsql connection string (env ConnectionStrings__{ConnectionStringName}).");
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Every statement is bounded: a runaway query fails instead of holding a connection.
        builder.CommandTimeout = builder.CommandTimeout == 30 ? 15 : builder.CommandTimeout;
        builder.Options ??= "-c statement_timeout=15000";
        services.AddNpgsqlDataSourceCore(builder.ConnectionString);
        return services;
    }

    /// <summary>The lease that makes one instance of a cluster the poller of Airflow (<see cref="LeaderLease"/>).</summary>
    public static IServiceCollection AddLeaderLease(this IServiceCollection services)
    {
        services.AddSingleton<LeaderLease>();
        services.AddSingleton<WorkflowControl.Airflow.Tracking.IPollingLease>(sp => sp.GetRequiredService<LeaderLease>());
        return services;
    }

    /// <summary>Named, so metrics and spans say "workflowcontrol" instead of the connection string (host, user, options).</summary>
    private static void AddNpgsqlDataSourceCore(this IServiceCollection services, string connectionString) =>
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "workflowcontrol" }.Build());

    /// <summary>Applies the embedded SQL migrations in order; each runs once, recorded in schemaversions.</summary>
    public static void Migrate(string connectionString, ILogger logger)
    {
        // DbUp would print to the console itself (the connection string among it): its warnings and errors go to the log.
        EnsureDatabase.For.PostgresqlDatabase(connectionString, new UpgradeLog(logger));
        var upgrader = DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.Contains(".Migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException("Database migration failed: " + result.Error.Message, result.Error);
        }

        foreach (var script in result.Scripts)
        {
            logger.LogInformation("Applied migration {Script}", script.Name);
        }
    }

    /// <summary>DbUp's messages as log events: warnings and errors only, with DbUp's own formatting.</summary>
    private sealed class UpgradeLog(ILogger logger) : DbUp.Engine.Output.IUpgradeLog
    {
        public void LogTrace(string format, params object[] args)
        {
        }

        public void LogDebug(string format, params object[] args)
        {
        }

        public void LogInformation(string format, params object[] args)
        {
        }

        public void LogWarning(string format, params object[] args) =>
            logger.LogWarning("Database set-up: {Message}", string.Format(CultureInfo.InvariantCulture, format, args));

        public void LogError(string format, params object[] args) =>
            logger.LogError("Database set-up: {Message}", string.Format(CultureInfo.InvariantCulture, format, args));

        public void LogError(Exception ex, string format, params object[] args) =>
            logger.LogError(ex, "Database set-up: {Message}", string.Format(CultureInfo.InvariantCulture, format, args));
    }
}
