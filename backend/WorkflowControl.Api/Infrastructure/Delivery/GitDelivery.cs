using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using WorkflowControl.Airflow;
using WorkflowControl.Api.Infrastructure.Auth;
using WorkflowControl.Dags;

namespace WorkflowControl.Api.Infrastructure.Delivery;

/// <summary>
/// Git delivery (Dags:Delivery = GitBundle) is for Airflow 3 only: Airflow 2.10 has no DAG bundles and would never see
/// the repository. A configured 2.x (Airflow:ApiVersion = V1) stops the API at start-up; a detected 2.x refuses each
/// deployment. Commits carry the deploying user as author and name the workflow, version and deployer.
/// </summary>
public static class GitDelivery
{
    public const string NeedsAirflow3 =
        "Dags:Delivery=GitBundle needs Airflow 3 (DAG bundles); Airflow 2.10 reads only its dags folder. Set Dags:Delivery=Folder for Airflow 2.10.";

    public static IServiceCollection AddGitDeliveryCheck(this IServiceCollection services)
    {
        services.AddOptions<DagsOptions>()
            .Validate<IOptions<AirflowOptions>>((dags, airflow) => dags.Delivery != DagDelivery.GitBundle || airflow.Value.ApiVersion != AirflowApiVersion.V1,
                NeedsAirflow3 + " (Airflow:ApiVersion is V1)");
        return services;
    }

    /// <summary>A 409 when the Airflow in use is 2.x; null when it is 3.x or cannot be asked now (the commit harms nothing).</summary>
    public static async Task<ProblemHttpResult?> RefusedByAirflowAsync(IAirflowClient airflow, CancellationToken ct)
    {
        AirflowServerInfo server;
        try
        {
            server = await airflow.GetServerInfoAsync(ct);
        }
        catch (AirflowException)
        {
            return null;
        }

        return server.Generation == AirflowGeneration.V1
            ? TypedResults.Problem(statusCode: 409, title: "Git delivery needs Airflow 3", detail: $"{NeedsAirflow3} The Airflow in use is {server.Version}.")
            : null;
    }

    public static async Task<DagChange> DeploymentChangeAsync(NpgsqlConnection connection, ClaimsPrincipal user, Guid workflowId, int version)
    {
        var (name, email, workflow) = await ReadAsync(connection, user, workflowId);
        return new DagChange(name, email ?? "", $"Deploy {workflow} version {version}\n\nWorkflow: {workflowId}\nVersion: {version}\nDeployed by: {name} ({user.GetCaller().UserId})");
    }

    public static DagChange DeletionChange(ClaimsPrincipal user, string displayName, string? email, string workflow, Guid workflowId) =>
        new(displayName, email ?? "", $"Delete {workflow}\n\nWorkflow: {workflowId}\nDeleted by: {displayName} ({user.GetCaller().UserId})");

    /// <summary>The caller's display name and e-mail (the commit's author), and the workflow's name.</summary>
    public static async Task<(string Name, string? Email, string Workflow)> ReadAsync(NpgsqlConnection connection, ClaimsPrincipal user, Guid workflowId) =>
        await connection.QuerySingleAsync<(string, string?, string)>(
            "SELECT u.display_name, u.email, coalesce((SELECT name FROM workflows WHERE id = @workflowId), '') FROM users u WHERE u.id = @userId",
            new { userId = user.GetCaller().UserId, workflowId });
}
