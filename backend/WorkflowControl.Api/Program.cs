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
using WorkflowControl.Api.Infrastructure.Delivery;
using WorkflowControl.Api.Infrastructure.Http;
using WorkflowControl.Api.Infrastructure.Logging;
using WorkflowControl.Api.Infrastructure.RateLimiting;
using WorkflowControl.Api.Infrastructure.Realtime;
using WorkflowControl.Api.Infrastructure.Storage;
using WorkflowControl.Api.Infrastructure.Telemetry;
using WorkflowControl.Airflow;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;

var builder = WebApplication.CreateBuilder(args);

// Infrastructure every feature stands on (docs/architecture.md, "Rooms").
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
    // Numbers are JSON numbers: the web defaults also read "3" as 3, which made the OpenAPI document type every
    // integer as integer | string.
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
});
builder.Services.AddCors(o => o.AddDefaultPolicy(p => p
    .WithOrigins((builder.Configuration["Cors:Origins"] ?? "http://localhost:3000,http://127.0.0.1:3000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    .AllowAnyHeader()
    .AllowAnyMethod()
    .AllowCredentials()
    .WithExposedHeaders("ETag", "Location", "Retry-After", RequestIds.Header, RunEndpoints.AirflowUnreachableHeader)));
builder.Services.AddOpenApi();
builder.Services.AddWorkflowTelemetry(builder.Configuration);
builder.Services.AddWorkflowDatabase(builder.Configuration);
builder.Services.AddWorkflowAuth(builder.Configuration);
builder.Services.AddApiRateLimits();
builder.Services.AddSharedData(builder.Configuration);
builder.Services.AddRealtime();
builder.Services.AddDagGeneration(builder.Configuration);
builder.Services.AddGitDeliveryCheck();
builder.Services.AddAirflowClient(builder.Configuration);
// One poller per cluster: the run tracker and the deployment follower run where this lease is held (docs/airflow.md).
builder.Services.AddLeaderLease();

// Features, one line each.
builder.Services.AddHealth();
builder.Services.AddAuth();
builder.Services.AddCatalog();
builder.Services.AddWorkflows();
builder.Services.AddCollaboration(builder.Configuration);
builder.Services.AddDeployments(builder.Configuration);
builder.Services.AddRuns(builder.Configuration);
builder.Services.AddPreview();
builder.Services.AddFiles();

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
app.MapHealth();
app.MapCatalog();
app.MapAuth();
app.MapWorkflows();
app.MapHistory();
app.MapCollaborators();
app.MapDeployments();
app.MapRuns();
app.MapPreview();
app.MapFiles();
app.MapCollaboration();
app.MapScheduling();
app.MapTokens();
app.MapOrganisations();

await app.RunAsync();
return 0;

/// <summary>Entry point; public so the integration tests can host the API in memory.</summary>
public partial class Program;
