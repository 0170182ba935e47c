using System.Security.Claims;
using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Api.Infrastructure.Auth;

/// <summary>Claim names the API adds to an authenticated principal, whichever way the caller signed in.</summary>
public static class WfcClaims
{
    public const string UserId = "wfc_uid";
    public const string TokenId = "wfc_token";
    public const string MaxRole = "wfc_max_role";
    public const string Organisation = "wfc_org";
    public const string Workflows = "wfc_workflows";

    /// <summary>The caller of this request; endpoints only run for authenticated callers, so a missing claim is a bug.</summary>
    public static Caller GetCaller(this ClaimsPrincipal principal)
    {
        var userId = Guid.Parse(principal.FindFirstValue(UserId) ?? throw new InvalidOperationException("caller without user id"));
        if (principal.FindFirstValue(TokenId) is null)
        {
            return new Caller(userId);
        }

        var org = principal.FindFirstValue(Organisation);
        var workflows = principal.FindFirstValue(Workflows);
        return new Caller(userId, new TokenScope(
            Roles.Parse(principal.FindFirstValue(MaxRole)) ?? Role.View,
            org is null ? null : Guid.Parse(org),
            workflows is null ? null : workflows.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToHashSet()));
    }

    public static Guid? GetTokenId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(TokenId) is { } id ? Guid.Parse(id) : null;
}
