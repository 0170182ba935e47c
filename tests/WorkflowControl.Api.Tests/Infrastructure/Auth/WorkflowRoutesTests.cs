using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using WorkflowControl.Api.Infrastructure.Auth;

namespace WorkflowControl.Api.Tests.Infrastructure.Auth;

/// <summary>
/// The role check hangs on the route, not on each handler: every endpoint of one workflow must be in the
/// /workflows/{id} group (whose filter checks) and declare the role it needs. A new endpoint without one fails here.
/// </summary>
public sealed class WorkflowRoutesTests
{
    private static List<RouteEndpoint> WorkflowEndpoints() =>
        ApiFixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/workflows", StringComparison.Ordinal) == true
                && e.RoutePattern.Parameters.Any(p => p.Name == "id"))
            .ToList();

    private static string Describe(RouteEndpoint e) =>
        $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}";

    [Test]
    public void Every_endpoint_of_one_workflow_declares_its_role_and_has_it_checked()
    {
        var endpoints = WorkflowEndpoints();

        Assert.That(endpoints, Has.Count.GreaterThanOrEqualTo(20), "the workflow endpoints were not found at all");
        Assert.That(endpoints.Where(e => e.Metadata.GetMetadata<RequiredWorkflowRole>() is null).Select(Describe), Is.Empty,
            "these endpoints declare no role: add .RequireWorkflowRole(Role.X)");
        Assert.That(endpoints.Where(e => e.Metadata.GetMetadata<WorkflowRoleChecked>() is null).Select(Describe), Is.Empty,
            "these endpoints are outside the /workflows/{id} group, so nothing checks their role: map them with MapWorkflowGroup()");
    }

    [Test]
    public void The_roles_declared_are_the_ones_the_role_matrix_expects()
    {
        var declared = WorkflowEndpoints().ToDictionary(Describe, e => e.Metadata.GetMetadata<RequiredWorkflowRole>()?.Role.ToString().ToLowerInvariant());

        Assert.Multiple(() =>
        {
            Assert.That(declared["GET /workflows/{id:guid}/"], Is.EqualTo("view"));
            Assert.That(declared["PUT /workflows/{id:guid}/"], Is.EqualTo("edit"));
            Assert.That(declared["DELETE /workflows/{id:guid}/"], Is.EqualTo("manage"));
            Assert.That(declared["POST /workflows/{id:guid}/runs"], Is.EqualTo("execute"));
            Assert.That(declared["POST /workflows/{id:guid}/tasks/{taskId}/preview"], Is.EqualTo("execute"));
            Assert.That(declared["POST /workflows/{id:guid}/deployments"], Is.EqualTo("edit"));
        });
    }
}
