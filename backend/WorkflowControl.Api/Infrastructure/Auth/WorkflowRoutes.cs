using Npgsql;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>Endpoint metadata: the least role on the workflow named by the route's {id} that the endpoint needs.</summary>
public sealed record RequiredWorkflowRole(Role Role);

/// <summary>Endpoint metadata: the endpoint sits in a <see cref="WorkflowRoutes.MapWorkflowGroup"/> group, so its role is checked.</summary>
public sealed record WorkflowRoleChecked;

/// <summary>
/// The routes of one workflow (/workflows/{id}). An endpoint filter on the group loads the caller's role once and answers
/// 404 (cannot see it: exactly like a missing workflow) or 403 (sees it, role too low) before the handler runs; handlers
/// that need the role read <see cref="WorkflowRole"/>. Checks that must share a transaction with the handler's work
/// (a row lock, then the role) call <see cref="WorkflowAccess"/> themselves as well.
/// </summary>
public static class WorkflowRoutes
{
    public const string Prefix = "/workflows/{id:guid}";

    /// <summary>A group under /workflows/{id}; every endpoint in it must declare <see cref="RequireWorkflowRole{TBuilder}"/>.</summary>
    public static RouteGroupBuilder MapWorkflowGroup(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix).WithTags("Workflows").WithMetadata(new WorkflowRoleChecked());
        group.AddEndpointFilter(CheckRoleAsync);
        return group;
    }

    public static TBuilder RequireWorkflowRole<TBuilder>(this TBuilder builder, Role role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredWorkflowRole(role));

    /// <summary>The caller's role on the workflow of this request, as the group's check found it.</summary>
    public static Role WorkflowRole(this HttpContext http) =>
        http.Features.Get<GrantedWorkflowRole>()?.Role
        ?? throw new InvalidOperationException("No workflow role was checked for this request: map the endpoint with MapWorkflowGroup().");

    private sealed record GrantedWorkflowRole(Role Role);

    private static async ValueTask<object?> CheckRoleAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // Fails closed: an endpoint that forgot its role answers 500, never the workflow (and a test lists them all).
        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredWorkflowRole>()
            ?? throw new InvalidOperationException($"{http.GetEndpoint()?.DisplayName} declares no workflow role: add .RequireWorkflowRole(...).");
        var id = Guid.Parse((string)http.Request.RouteValues["id"]!);

        Role role;
        await using (var connection = await http.RequestServices.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(http.RequestAborted))
        {
            role = await WorkflowAccess.RoleOfAsync(connection, http.User.GetCaller(), id);
        }

        if (WorkflowAccess.Denial(role, required.Role) is { } denied)
        {
            return denied;
        }

        http.Features.Set(new GrantedWorkflowRole(role));
        return await next(context);
    }
}
