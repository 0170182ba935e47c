using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

/// <summary>The tags validation reserves are exactly the ones the renderer adds, so a user tag can never double them.</summary>
public sealed class ReservedTagTests
{
    [Test]
    public void The_product_tag_validation_reserves_is_the_one_every_DAG_carries() =>
        Assert.That(WorkflowValidator.ProductTag, Is.EqualTo(DagRenderer.ProductTag));

    [Test]
    public void The_owner_tag_every_DAG_carries_has_the_reserved_prefix()
    {
        var owner = new DagOwner(Guid.NewGuid(), "Grace Hopper");
        var document = new WorkflowDocument { Metadata = new WorkflowMetadata { Name = "n" }, Spec = new WorkflowSpec() };

        var rendered = new DagRenderer().Render(document, Guid.NewGuid(), owner, 1).Content;

        Assert.That(rendered, Does.Contain($"\"{WorkflowValidator.OwnerTagPrefix}{owner.DisplayName}\""));
    }
}
