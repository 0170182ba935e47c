using WorkflowControl.Core.Permissions;

namespace WorkflowControl.Core.Tests.Permissions;

public sealed class AccessTests
{
    private static readonly Guid Owner = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();
    private static readonly Guid Workflow = Guid.NewGuid();
    private static readonly Guid Org = Guid.NewGuid();

    private static WorkflowAccessFacts Facts(Role? collaborator = null, Role? member = null, Guid? org = null) =>
        new(Workflow, Owner, org, collaborator, member);

    [Test]
    public void The_owner_has_the_owner_role() =>
        Assert.That(Access.EffectiveRole(new Caller(Owner), Facts()), Is.EqualTo(Role.Owner));

    [Test]
    public void A_stranger_has_no_role_so_the_workflow_looks_missing() =>
        Assert.That(Access.Check(Access.EffectiveRole(new Caller(Other), Facts()), Role.View), Is.EqualTo(AccessOutcome.NotFound));

    [Test]
    public void Collaborator_and_organisation_roles_combine_to_the_higher_one() =>
        Assert.That(Access.EffectiveRole(new Caller(Other), Facts(Role.View, Role.Edit, Org)), Is.EqualTo(Role.Edit));

    [Test]
    public void A_token_caps_the_role_of_its_user() =>
        Assert.That(Access.EffectiveRole(new Caller(Owner, new TokenScope(Role.Execute, null, null)), Facts()), Is.EqualTo(Role.Execute));

    [Test]
    public void A_token_outside_its_scope_sees_nothing()
    {
        var otherOrg = new Caller(Owner, new TokenScope(Role.Manage, Guid.NewGuid(), null));
        var otherWorkflows = new Caller(Owner, new TokenScope(Role.Manage, null, new HashSet<Guid> { Guid.NewGuid() }));

        Assert.That(Access.EffectiveRole(otherOrg, Facts(org: Org)), Is.EqualTo(Role.None));
        Assert.That(Access.EffectiveRole(otherWorkflows, Facts()), Is.EqualTo(Role.None));
    }

    [Test]
    public void A_lower_role_is_forbidden_not_hidden() =>
        Assert.That(Access.Check(Role.View, Role.Edit), Is.EqualTo(AccessOutcome.Forbidden));

    [TestCase(Role.Edit, null, Role.View, 2, "Only managers can change collaborators.")]
    [TestCase(Role.Manage, Role.Owner, Role.View, 2, "The owner's role cannot be changed.")]
    [TestCase(Role.Manage, null, Role.Manage, 1, null)]
    [TestCase(Role.Manage, Role.Manage, Role.View, 1, "The last manager cannot be removed or demoted.")]
    [TestCase(Role.Manage, Role.Manage, Role.View, 2, null)]
    [TestCase(Role.Owner, Role.Edit, Role.Manage, 1, null)]
    public void Collaborator_changes_follow_the_rules(Role actor, Role? current, Role? next, int managers, string? expected) =>
        Assert.That(Access.CollaboratorChangeProblem(actor, current, next, managers), Is.EqualTo(expected));
}
