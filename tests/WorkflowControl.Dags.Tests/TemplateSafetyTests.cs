using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

/// <summary>What the template engine allows: workflow values reach the output only through the literal encoder.</summary>
public sealed class TemplateSafetyTests
{
    private static readonly WorkflowDocument Document = new()
    {
        Metadata = new WorkflowMetadata { Name = "x\")\nimport os #" },
        Spec = new WorkflowSpec(),
    };

    [Test]
    public void A_template_that_prints_a_workflow_value_without_py_fails_instead_of_emitting_it()
    {
        var e = Assert.Catch(() => DagRenderer.RenderText("name = {{ name }}\n", Document))!;
        Assert.That(e.ToString(), Does.Contain("without `py`"));
    }

    [Test]
    public void Through_py_the_same_value_is_a_safe_literal()
    {
        Assert.That(DagRenderer.RenderText("name = {{ py name }}\n", Document), Is.EqualTo("name = \"x\\\")\\nimport os #\"\n"));
    }

    [TestCase("{{ name.value }}")]
    [TestCase("{{ string.upcase name }}")]
    [TestCase("{{ undefined_variable }}")]
    public void Templates_cannot_reach_inside_values_or_use_other_functions(string template)
    {
        Assert.Catch(() => DagRenderer.RenderText(template, Document));
    }
}
