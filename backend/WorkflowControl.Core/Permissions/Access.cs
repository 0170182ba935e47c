namespace WorkflowControl.Core.Permissions;

/// <summary>What an API token may reach: a maximum role, and optionally one organisation or a list of workflows.</summary>
public sealed record TokenScope(Role MaxRole, Guid? OrganisationId, IReadOnlySet<Guid>? WorkflowIds);

/// <summary>Who is asking: a user, possibly through an API token that narrows what they may do.</summary>
public sealed record Caller(Guid UserId, TokenScope? Token = null);

/// <summary>Everything about one workflow and one user that the access decision needs, read in one query.</summary>
public sealed record WorkflowAccessFacts(
    Guid WorkflowId,
    Guid OwnerId,
    Guid? OrganisationId,
    Role? CollaboratorRole,
    Role? OrganisationMemberRole);

/// <summary>The one place that decides what a caller may do with a workflow. Every endpoint and hub method calls it.</summary>
public static class Access
{
    /// <summary>The caller's effective role on the workflow; <see cref="Role.None"/> means it must look as if it did not exist.</summary>
    public static Role EffectiveRole(Caller caller, WorkflowAccessFacts facts)
    {
        var role = caller.UserId == facts.OwnerId
            ? Role.Owner
            : Roles.Max(facts.CollaboratorRole ?? Role.None, facts.OrganisationMemberRole ?? Role.None);

        if (caller.Token is { } token)
        {
            var inScope = (token.OrganisationId is null || token.OrganisationId == facts.OrganisationId)
                && (token.WorkflowIds is null || token.WorkflowIds.Contains(facts.WorkflowId));
            role = inScope ? Roles.Min(role, token.MaxRole) : Role.None;
        }

        return role;
    }

    /// <summary>The outcome of an access check, mapped to HTTP in one place: None → 404, too low → 403.</summary>
    public static AccessOutcome Check(Role effective, Role required) =>
        effective == Role.None ? AccessOutcome.NotFound
        : effective >= required ? AccessOutcome.Allowed
        : AccessOutcome.Forbidden;

    /// <summary>
    /// Whether an actor may give <paramref name="target"/> the role <paramref name="newRole"/> (null = remove).
    /// Only managers change collaborators; nobody grants above their own role; the owner's role is fixed;
    /// the last manager cannot be removed or demoted.
    /// </summary>
    public static string? CollaboratorChangeProblem(Role actor, Role? targetCurrent, Role? newRole, int managersIncludingOwner)
    {
        if (actor < Role.Manage)
        {
            return "Only managers can change collaborators.";
        }

        if (targetCurrent == Role.Owner)
        {
            return "The owner's role cannot be changed.";
        }

        if (newRole is { } granted && (granted == Role.Owner || granted == Role.None))
        {
            return "Grant one of view, execute, edit or manage.";
        }

        if (newRole > actor)
        {
            return $"You cannot grant '{newRole.Value.ToWire()}', which is above your own role.";
        }

        var losesManager = targetCurrent == Role.Manage && (newRole is null || newRole < Role.Manage);
        return losesManager && managersIncludingOwner <= 1
            ? "The last manager cannot be removed or demoted."
            : null;
    }
}

public enum AccessOutcome
{
    Allowed,
    Forbidden,
    NotFound,
}
