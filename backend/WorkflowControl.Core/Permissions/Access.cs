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

    /// <summary>The organisation a new workflow goes to: the one asked for, else the API token's own.</summary>
    public static Guid? CreationOrganisation(Caller caller, Guid? requested) => requested ?? caller.Token?.OrganisationId;

    /// <summary>
    /// Why the caller's API token may not create a workflow in <paramref name="organisation"/>, or null. A token creates
    /// only with the edit role, without a list of named workflows (a new one could not be on it), and only inside its
    /// own organisation. Signed-in users are not limited here.
    /// </summary>
    public static string? TokenCreationProblem(Caller caller, Guid? organisation) => caller.Token switch
    {
        null => null,
        { } token when token.MaxRole < Role.Edit || token.WorkflowIds is not null =>
            "This API token may not create workflows: it needs the 'edit' role and no list of named workflows.",
        { OrganisationId: { } scoped } when organisation != scoped => "This API token may only create workflows in its own organisation.",
        _ => null,
    };

    /// <summary>
    /// Why the caller may not use their own data folder (<c>/files</c>), or null. A token narrowed to an organisation or
    /// to named workflows stays inside them: the folder holds data of every workflow its user owns. Reading needs view,
    /// uploading and deleting edit, as they do through a workflow.
    /// </summary>
    public static string? OwnDataFolderProblem(Caller caller, bool write) => caller.Token switch
    {
        null => null,
        { OrganisationId: not null } or { WorkflowIds: not null } =>
            "This API token is limited to an organisation or named workflows, so it cannot reach your own data folder; use /workflows/{id}/files.",
        { } token when write && token.MaxRole < Role.Edit =>
            $"This API token has the '{token.MaxRole.ToWire()}' role; uploading and deleting files needs 'edit'.",
        _ => null,
    };

    /// <summary>Creating a workflow in an organisation needs the edit role there; a non-member must not learn it exists.</summary>
    public static AccessOutcome CreateInOrganisation(Role? memberRole) => memberRole switch
    {
        null => AccessOutcome.NotFound,
        < Role.Edit => AccessOutcome.Forbidden,
        _ => AccessOutcome.Allowed,
    };

    /// <summary>Adding and removing an organisation's members: its managers, signed in (an API token never manages people).</summary>
    public static bool MayManageMembers(Caller caller, Role memberRole) => memberRole >= Role.Manage && IsSignedIn(caller);

    /// <summary>The last manager of an organisation stays, or nobody could manage it again.</summary>
    public static string? MemberRemovalProblem(Role? target, int managers) =>
        target == Role.Manage && managers <= 1 ? "The last manager of an organisation cannot be removed." : null;

    /// <summary>The longest an API token may live, in days.</summary>
    public const int MaxTokenLifetimeDays = 366;

    /// <summary>
    /// A signed-in user rather than an API token. Only they manage API tokens, organisations and members: a leaked
    /// token must not be able to mint more tokens or widen anyone's reach.
    /// </summary>
    public static bool IsSignedIn(Caller caller) => caller.Token is null;

    /// <summary>Why a new API token cannot be made as asked, or null. <paramref name="workflowCount"/> is null for no list.</summary>
    public static string? NewTokenProblem(string? name, Role? maxRole, int expiresInDays, int? workflowCount)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            return "Give the token a name of 1 to 100 characters, e.g. the pipeline that will use it.";
        }

        if (maxRole is null or Role.Owner or Role.None)
        {
            return "maxRole must be one of view, execute, edit, manage.";
        }

        if (expiresInDays is < 1 or > MaxTokenLifetimeDays)
        {
            return $"expiresInDays must be between 1 and {MaxTokenLifetimeDays}.";
        }

        return workflowCount == 0 ? "workflowIds, when given, must name at least one workflow." : null;
    }
}

public enum AccessOutcome
{
    Allowed,
    Forbidden,
    NotFound,
}
