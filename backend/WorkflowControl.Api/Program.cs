using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using WorkflowControl.Api.Features.Auth;
using WorkflowControl.Api.Features.Catalog;
using WorkflowControl.Api.Features.Collaboration;
using WorkflowControl.Api.Features.History;
using WorkflowControl.Api.Features.Collaborators;
using WorkflowControl.Api.Features.Deployments;
using WorkflowControl.Api.Features.Files;
using WorkflowControl.Api.Features.Health;
using WorkflowControl.Api.Features.Organisations;
using WorkflowControl.Api.Features.Preview;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Api.Features.Scheduling;
using WorkflowControl.Api.Features.Tokens;
using WorkflowControl.Api.Features.Workflows;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Api.Infrastructure.Database;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Api.Infrastructure.Logging;
using WorkflowControl.Api.Infrastructure.RateLimiting;
using WorkflowControl.Api.Infrastructure.Telemetry;
using WorkflowControl.Airflow;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;

var builder = WebApplication.CreateBuilder(args);

builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 4 * 1024 * 1024);
// Hub URLs carry the browser's token (?access_token=): the request-start log that prints whole URLs stays off at
// any configured level, so a token never reaches a log.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", level => level >= LogLevel.Warning);
builder.Logging.AddWorkflowLogFormats();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = RequestIds.AddTo);
builder.Services.AddExceptionHandler<ExceptionHandling>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.Configure<JsonOptions>(o =>
{
    // Unknown fields are refused: no mass assignment through extra properties.
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    o.SerializerOptions.MaxDepth = WorkflowJson.MaxDepth;
});
builder.Services.AddCors(o => o.AddDefaultPolicy(p => p
    .WithOrigins((builder.Configuration["Cors:Origins"] ?? "http://localhost:3000,http://127.0.0.1:3000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    .AllowAnyHeader()
    .AllowAnyMethod()
    .AllowCredentials()
    .WithExposedHeaders("ETag", "Location", "Retry-After", RequestIds.Header)));
builder.Services.AddOpenApi();
builder.Services.AddWorkflowTelemetry(builder.Configuration);
builder.Services.AddHealth();

builder.Services.AddWorkflowDatabase(builder.Configuration);
builder.Services.AddWorkflowAuth(builder.Configuration);
builder.Services.AddOptions<AuthThrottleOptions>().BindConfiguration(AuthThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<AuthThrottle>();
builder.Services.AddRateLimiter(o => o.AddPolicy<string, AuthAddressPolicy>(AuthThrottle.PolicyName));
builder.Services.AddApiRateLimits();
builder.Services.AddSingleton<ITaskCatalog>(EmbeddedTaskCatalog.Instance);
builder.Services.AddSingleton<WorkflowValidator>();
builder.Services.AddDagGeneration(builder.Configuration);
builder.Services.AddGitDeliveryCheck();
builder.Services.AddAirflowClient(builder.Configuration);
builder.Services.AddOptions<PreviewOptions>().BindConfiguration(PreviewOptions.Section)
    .PostConfigure(o => o.SharedDataRoot ??= builder.Configuration["SharedData:Root"])
    .ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<PreviewRunner>();
builder.Services.AddSingleton<StepRecords>();
builder.Services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<DataFolders>();
builder.Services.AddSingleton<ResultRetention>();
builder.Services.AddHostedService(s => s.GetRequiredService<ResultRetention>());
var signalR = builder.Services.AddSignalR(o =>
{
    o.MaximumReceiveMessageSize = 64 * 1024;
    o.AddHubTelemetry();
});
if (builder.Configuration["SignalR:Redis"] is { Length: > 0 } redis)
{
    // Several API instances: hub messages and group membership travel through Redis (docs/collaboration.md).
    signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("workflowcontrol"));
}

builder.Services.Configure<CollaborationOptions>(builder.Configuration.GetSection("Collaboration"));
builder.Services.AddSingleton<LiveConnections>();
builder.Services.AddSingleton<CollaborationStore>();
builder.Services.AddSingleton<OperationLog>();
builder.Services.AddSingleton<AccessChanges>();
builder.Services.AddHostedService<CollaborationSessionsKeeper>();
builder.Services.AddSingleton<WorkflowControl.Airflow.Tracking.IRunStore, PostgresRunStore>();
builder.Services.AddSingleton<WorkflowControl.Airflow.Tracking.IRunNotifier, SignalRRunNotifier>();
// One poller per cluster: the run tracker and the deployment follower run where this lease is held (docs/airflow.md).
builder.Services.AddSingleton<LeaderLease>();
builder.Services.AddSingleton<WorkflowControl.Airflow.Tracking.IPollingLease>(sp => sp.GetRequiredService<LeaderLease>());
builder.Services.AddSingleton<PostgresRunWatchList>();
builder.Services.AddSingleton<WorkflowControl.Airflow.Tracking.IRunWatchList>(sp => sp.GetRequiredService<PostgresRunWatchList>());
if (builder.Configuration.GetValue("Airflow:Deployments:Enabled", true))
{
    builder.Services.AddHostedService<DeploymentFollower>();
}

if (builder.Configuration.GetValue("Airflow:Tracking:Enabled", true))
{
    builder.Services.AddAirflowRunTracking(builder.Configuration);
}
else
{
    builder.Services.AddSingleton<WorkflowControl.Airflow.Tracking.IRunTrackerSignal, NoTrackerSignal>();
}

var app = builder.Build();

DatabaseSetup.Migrate(builder.Configuration.GetConnectionString(DatabaseSetup.ConnectionStringName)!, app.Logger);

if (args.Contains(RerenderDeployed.Command))
{
    var result = await RerenderDeployed.RunAsync(app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), app.Services.GetRequiredService<FleetRerender>(), CancellationToken.None);
    Console.WriteLine($"Re-rendered {result.Total} deployed workflows: {result.Changed} files changed, {result.Unchanged} unchanged, {result.Failed} failed.");
    foreach (var failure in result.Failures)
    {
        Console.WriteLine($"  {failure.WorkflowId}: {failure.Message}");
    }

    return result.Failed == 0 ? 0 : 1;
}

app.UseNoSniff();
app.UseRequestIds();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors();
app.UseAuthentication();
// After authentication: the limits are per user and per API token.
app.UseRateLimiter();
app.UseAuthorization();

app.MapOpenApi().AllowAnonymous().DisableRateLimiting();
app.MapWorkflowTelemetry();
app.MapHealthEndpoints();
app.MapCatalogEndpoints();
app.MapGroup("/auth").WithTags("Auth").MapAuthEndpoints();
app.MapGroup("/workflows").WithTags("Workflows")
    .MapWorkflowEndpoints()
    .MapWorkflowVersionEndpoints()
    .MapVersionHistoryEndpoints()
    .MapCollaboratorEndpoints()
    .MapDeploymentEndpoints()
    .MapRunEndpoints()
    .MapRunResultEndpoints()
    .MapWorkflowFileEndpoints()
    .MapPreviewEndpoints();
app.MapGet("/workflows", ListWorkflows.Handle).WithTags("Workflows").WithName("ListWorkflows");
// The hub limits its calls itself (Collaboration:CallsPerSecond); long polling would spend the reads budget.
app.MapHub<WorkflowHub>(WorkflowHub.Path).DisableRateLimiting();
app.MapGroup("/schedules").WithTags("Schedules").MapScheduleEndpoints();
app.MapGroup("/files").WithTags("Files").MapFileEndpoints();
app.MapGroup("/tokens").WithTags("Tokens").MapTokenEndpoints();
app.MapGroup("/organisations").WithTags("Organisations").MapOrganisationEndpoints();

await app.RunAsync();
return 0;

/// <summary>Entry point; public so the integration tests can host the API in memory.</summary>
public partial class Program;
