using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;
using Refit;
using WorkflowControl.Airflow.Api;
using WorkflowControl.Airflow.Http;
using WorkflowControl.Airflow.Tracking;

namespace WorkflowControl.Airflow;

public static class ServiceCollectionExtensions
{
    private const string AuthHttpClientName = "WorkflowControl.Airflow.Auth";

    /// <summary>
    /// Registers <see cref="IAirflowClient"/> (singleton) configured from the "Airflow" section, validated at start-up,
    /// with resilience and authentication. Uses the registered <see cref="TimeProvider"/> (System when none).
    /// </summary>
    public static IServiceCollection AddAirflowClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AirflowOptions>()
            .Bind(configuration.GetSection(AirflowOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<AirflowTelemetry>();
        services.TryAddTransient<AirflowAuthHandler>();
        services.TryAddSingleton(sp => new AirflowTokenProvider(
            RestService.For<IAirflowAuthApi>(Http(sp, AuthHttpClientName), AirflowJson.RefitSettings),
            sp.GetRequiredService<IOptions<AirflowOptions>>()));

        Measured(Resilient(services.AddHttpClient(AirflowClient.HttpClientName), "api").AddHttpMessageHandler<AirflowAuthHandler>());
        Measured(Resilient(services.AddHttpClient(AuthHttpClientName), "auth"));
        services.TryAddSingleton<IAirflowClient, AirflowClient>();
        services.TryAddSingleton<AirflowReadCache>();
        return services;
    }

    /// <summary>
    /// Registers the run tracker: <see cref="RunTrackingEngine"/>, the <see cref="RunTracker"/> background service,
    /// an in-memory <see cref="IRunWatchList"/> and a <see cref="SoleLease"/> unless the host registered its own. The host must register <see cref="IRunStore"/> and <see cref="IRunNotifier"/>.
    /// </summary>
    public static IServiceCollection AddAirflowRunTracking(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RunTrackingOptions>()
            .Bind(configuration.GetSection(RunTrackingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IRunWatchList, RunWatchList>();
        services.TryAddSingleton<IPollingLease, SoleLease>();
        services.TryAddSingleton<RunTrackingEngine>();
        services.TryAddSingleton<RunTracker>();
        services.TryAddSingleton<IRunTrackerSignal>(sp => sp.GetRequiredService<RunTracker>());
        services.AddHostedService(sp => sp.GetRequiredService<RunTracker>());
        return services;
    }

    private static HttpClient Http(IServiceProvider sp, string name)
    {
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(name);
        http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<AirflowOptions>>().Value.BaseUrl.TrimEnd('/'));
        return http;
    }

    /// <summary>Measures and logs each request on the wire: innermost, after retries and authentication.</summary>
    private static IHttpClientBuilder Measured(IHttpClientBuilder builder) =>
        builder
            .AddHttpMessageHandler(sp => new AirflowTelemetryHandler(sp.GetRequiredService<AirflowTelemetry>(), sp.GetRequiredService<TimeProvider>()))
            .AddHttpMessageHandler(sp => new AirflowRequestLogHandler(
                sp.GetRequiredService<ILogger<AirflowRequestLogHandler>>(), sp.GetRequiredService<TimeProvider>()));

    private static IHttpClientBuilder Resilient(IHttpClientBuilder builder, string client)
    {
        builder
            // The resilience pipeline owns time-outs (on the injectable clock), not HttpClient.
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // HttpClient's own logging writes about ten Information lines per request; AirflowRequestLogHandler
            // writes one, by endpoint template, with no headers at all.
            .RemoveAllLoggers()
            .AddResilienceHandler("airflow", (pipeline, context) =>
            {
                var sp = context.ServiceProvider;
                AirflowResilience.Configure(
                    pipeline,
                    sp.GetRequiredService<IOptions<AirflowOptions>>().Value,
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<AirflowTelemetry>(),
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AirflowResilience)),
                    client);
                // Polly's own log is two to three lines per request; the request log handler and the circuit lines
                // say what matters. Its metrics stay (same options, no logger).
                pipeline.ConfigureTelemetry(new TelemetryOptions(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value)
                {
                    LoggerFactory = NullLoggerFactory.Instance,
                });
            });
        return builder;
    }
}
