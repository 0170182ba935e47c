using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Core.Tests.Permissions;

/// <summary>Who may create workflows (with or without an API token), manage organisations, and what a new token may be.</summary>
public sealed class CreationAndTokenRulesTests
{
    private static readonly Guid User = Guid.NewGuid();
    private static readonly Guid Org = Guid.NewGuid();

    private static Caller Token(Role maxRole, Guid? org = null, bool named = false) =>
        new(User, new TokenScope(maxRole, org, named ? new HashSet<Guid> { Guid.NewGuid() } : null));

    [Test]
    public void A_signed_in_user_may_create_anywhere_their_organisation_allows() =>
        Assert.That(Access.TokenCreationProblem(new Caller(User), Org), Is.Null);

    [Test]
    public void A_token_creates_only_with_the_edit_role_and_no_list_of_named_workflows()
    {
        Assert.That(Access.TokenCreationProblem(Token(Role.Execute), null), Does.Contain("needs the 'edit' role"));
        Assert.That(Access.TokenCreationProblem(Token(Role.Manage, named: true), null), Does.Contain("no list of named workflows"));
        Assert.That(Access.TokenCreationProblem(Token(Role.Edit), null), Is.Null);
    }

    [Test]
    public void A_token_of_an_organisation_creates_there_by_default_and_nowhere_else()
    {
        var scoped = Token(Role.Edit, Org);

        Assert.That(Access.CreationOrganisation(scoped, null), Is.EqualTo(Org));
        Assert.That(Access.TokenCreationProblem(scoped, Access.CreationOrganisation(scoped, null)), Is.Null);
        Assert.That(Access.TokenCreationProblem(scoped, Guid.NewGuid()), Is.EqualTo("This API token may only create workflows in its own organisation."));
        Assert.That(Access.CreationOrganisation(new Caller(User), null), Is.Null, "a user's workflow is their own unless they name an organisation");
    }

    [Test]
    public void A_token_reaches_its_users_data_folder_only_unnarrowed_and_writes_there_only_with_edit()
    {
        Assert.That(Access.OwnDataFolderProblem(new Caller(User), write: true), Is.Null);
        Assert.That(Access.OwnDataFolderProblem(Token(Role.View), write: false), Is.Null);
        Assert.That(Access.OwnDataFolderProblem(Token(Role.View), write: true), Does.Contain("needs 'edit'"));
        Assert.That(Access.OwnDataFolderProblem(Token(Role.Edit), write: true), Is.Null);
        Assert.That(Access.OwnDataFolderProblem(Token(Role.Manage, Org), write: false), Does.Contain("use /workflows/{id}/files"));
        Assert.That(Access.OwnDataFolderProblem(Token(Role.Manage, named: true), write: false), Does.Contain("limited to an organisation or named workflows"));
    }

    [TestCase(null, AccessOutcome.NotFound)]
    [TestCase(Role.Execute, AccessOutcome.Forbidden)]
    [TestCase(Role.Edit, AccessOutcome.Allowed)]
    [TestCase(Role.Manage, AccessOutcome.Allowed)]
    public void Creating_in_an_organisation_needs_the_edit_role_there_and_hides_it_from_non_members(Role? member, AccessOutcome expected) =>
        Assert.That(Access.CreateInOrganisation(member), Is.EqualTo(expected));

    [Test]
    public void Only_signed_in_managers_change_an_organisations_members()
    {
        Assert.That(Access.MayManageMembers(new Caller(User), Role.Manage), Is.True);
        Assert.That(Access.MayManageMembers(new Caller(User), Role.Edit), Is.False);
        Assert.That(Access.MayManageMembers(Token(Role.Manage), Role.Manage), Is.False, "a token never manages people");
    }

    [TestCase(Role.Manage, 1, "The last manager of an organisation cannot be removed.")]
    [TestCase(Role.Manage, 2, null)]
    [TestCase(Role.View, 1, null)]
    [TestCase(null, 1, null)]
    public void The_last_manager_of_an_organisation_stays(Role? target, int managers, string? expected) =>
        Assert.That(Access.MemberRemovalProblem(target, managers), Is.EqualTo(expected));

    [Test]
    public void Tokens_never_manage_tokens()
    {
        Assert.That(Access.IsSignedIn(new Caller(User)), Is.True);
        Assert.That(Access.IsSignedIn(Token(Role.Manage)), Is.False);
    }

    [TestCase("ci", Role.Execute, 90, null, null)]
    [TestCase("", Role.Execute, 90, null, "Give the token a name of 1 to 100 characters, e.g. the pipeline that will use it.")]
    [TestCase("ci", null, 90, null, "maxRole must be one of view, execute, edit, manage.")]
    [TestCase("ci", Role.Owner, 90, null, "maxRole must be one of view, execute, edit, manage.")]
    [TestCase("ci", Role.View, 0, null, "expiresInDays must be between 1 and 366.")]
    [TestCase("ci", Role.View, 367, null, "expiresInDays must be between 1 and 366.")]
    [TestCase("ci", Role.View, 366, 0, "workflowIds, when given, must name at least one workflow.")]
    [TestCase("ci", Role.View, 1, 3, null)]
    public void A_new_token_is_named_capped_below_owner_expiring_within_a_year_and_names_workflows_if_any(
        string name, Role? maxRole, int days, int? workflows, string? expected) =>
        Assert.That(Access.NewTokenProblem(name, maxRole, days, workflows), Is.EqualTo(expected));

    [Test]
    public void A_token_name_longer_than_100_characters_is_refused() =>
        Assert.That(Access.NewTokenProblem(new string('x', 101), Role.View, 30, null), Does.StartWith("Give the token a name"));
}
