using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WorkflowControl.Airflow;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Infrastructure.Telemetry;

/// <summary>Configuration section "Telemetry": where traces and metrics go (docs/configuration.md, docs/operations.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>service.name of every span and metric.</summary>
    [Required]
    public string ServiceName { get; set; } = "workflowcontrol-api";

    /// <summary>Serve Prometheus' text format at <see cref="PrometheusPath"/> (anonymous: keep it off the public network).</summary>
    public bool PrometheusEnabled { get; set; }

    [RegularExpression("^/[A-Za-z0-9/_.-]*$", ErrorMessage = "Telemetry:PrometheusPath must be a path such as /metrics.")]
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>
    /// OTLP collector for traces, metrics and logs, e.g. http://otel-collector:4317. Without it, the standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT variable (with the other OTEL_EXPORTER_OTLP_* ones) switches OTLP export on.
    /// Empty means none (compose passes an empty value through).
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;
}

/// <summary>
/// OpenTelemetry for the API: spans of requests (with the workflow and run they are about), HttpClient calls (with
/// the Airflow endpoint), PostgreSQL commands, SignalR hub calls, the run tracker and the deployment follower;
/// metrics of the same plus the runtime. Exported to Prometheus and/or OTLP as configured.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>ASP.NET Core's SignalR spans (one per hub method call).</summary>
    private const string SignalRSource = "Microsoft.AspNetCore.SignalR.Server";

    public static IServiceCollection AddWorkflowTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.OtlpEndpoint)
                    || (Uri.TryCreate(o.OtlpEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)),
                "Telemetry:OtlpEndpoint must be an absolute URL such as http://otel-collector:4317, or empty.")
            .ValidateOnStart();
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddSingleton<ApiTelemetry>();
        services.AddSingleton<HubTelemetry>();

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithTracing(tracing => tracing
                .AddSource(ApiTelemetry.Name, AirflowTelemetry.Name, SignalRSource)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = http => !IsOperational(http.Request.Path, options);
                    o.EnrichWithHttpResponse = (activity, response) => Enrich(activity, response.HttpContext);
                })
                .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = (activity, request) =>
                {
                    if (AirflowTelemetry.EndpointOf(request) is var endpoint && endpoint != "other")
                    {
                        activity.SetTag(AirflowTelemetry.EndpointAttribute, endpoint);
                    }
                })
                .AddNpgsql())
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(ApiTelemetry.Name, AirflowTelemetry.Name, DagTelemetry.Name, "Npgsql")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (options.PrometheusEnabled)
                {
                    // No cache: a scrape shows what happened up to that moment.
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }
            });

        if (!string.IsNullOrEmpty(options.OtlpEndpoint))
        {
            telemetry.UseOtlpExporter(options.OtlpProtocol, new Uri(options.OtlpEndpoint));
        }
        else if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>Counts hub calls; SignalR's own spans and connection metrics come from ASP.NET Core.</summary>
    public static void AddHubTelemetry(this HubOptions hub) => hub.AddFilter<HubTelemetry>();

    /// <summary>The scrape endpoint, when switched on; anonymous, so protect it at the network's edge.</summary>
    public static void MapWorkflowTelemetry(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value;
        if (options.PrometheusEnabled)
        {
            app.MapPrometheusScrapingEndpoint(options.PrometheusPath).AllowAnonymous().DisableRateLimiting();
        }
    }

    /// <summary>Probes and scrapes every few seconds would drown the traces that matter.</summary>
    private static bool IsOperational(PathString path, TelemetryOptions options) =>
        path.StartsWithSegments("/health") || (options.PrometheusEnabled && path.StartsWithSegments(options.PrometheusPath));

    private static void Enrich(Activity activity, HttpContext http)
    {
        activity.SetTag(ApiTelemetry.RequestIdAttribute, http.TraceIdentifier);
        // Only routes below /workflows/{id} name a workflow by "id" (tokens and organisations have ids of their own).
        if ((http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.StartsWith("/workflows/{id", StringComparison.Ordinal) == true
            && http.GetRouteValue("id") is string workflowId)
        {
            activity.SetTag(ApiTelemetry.WorkflowIdAttribute, workflowId);
        }

        if (http.GetRouteValue("runId") is string runId)
        {
            activity.SetTag(ApiTelemetry.RunIdAttribute, runId);
        }
    }
}

/// <summary>Counts each hub method call by name and outcome, and names the workflow on SignalR's span of it.</summary>
public sealed class HubTelemetry(ApiTelemetry telemetry) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        // Every hub method that concerns a workflow takes its id first; other arguments (operations, documents) stay off spans.
        if (invocationContext.HubMethodArguments is [Guid workflowId, ..])
        {
            ApiTelemetry.Tag(workflowId);
        }

        try
        {
            var result = await next(invocationContext);
            telemetry.HubInvoked(invocationContext.HubMethodName, succeeded: true);
            return result;
        }
        catch
        {
            telemetry.HubInvoked(invocationContext.HubMethodName, succeeded: false);
            throw;
        }
    }
}
