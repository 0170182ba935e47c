using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Catalog;

/// <summary>The catalog the API embeds is the one the Python library implements; here: it loads whole and complete.</summary>
public sealed class RealCatalogTests
{
    private static readonly ITaskCatalog Catalog = EmbeddedTaskCatalog.Instance;

    [Test]
    public void Every_catalog_file_is_embedded_including_ids_that_look_like_culture_names()
    {
        var folder = Path.Combine(WorkflowControl.Testing.RepositoryRoot.Path, "airflow", "src", "workflowcontrol_tasks", "catalog");
        var files = Directory.GetFiles(folder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

        Assert.That(Catalog.All.Select(t => t.Id).Order(StringComparer.Ordinal), Is.EqualTo(files), "analyze.ml once went missing as a 'Malayalam' resource");
    }

    [Test]
    public void Every_product_category_has_task_types()
    {
        Assert.That(Catalog.All.Select(t => t.Category).Distinct(), Is.EquivalentTo(new[] { "extract", "transform", "load", "analyze", "utility" }));
        Assert.That(Catalog.All.Select(t => t.Id), Has.Member("extract.csv").And.Member("transform.join").And.Member("load.postgres"));
    }

    [Test]
    public void Every_task_type_has_what_the_palette_and_forms_need()
    {
        foreach (var type in Catalog.All)
        {
            Assert.That(type.Title, Is.Not.Empty, type.Id);
            Assert.That(type.Description, Is.Not.Empty, type.Id);
            Assert.That(type.ConfigSchema.GetProperty("type").GetString(), Is.EqualTo("object"), type.Id);
            foreach (var property in type.ConfigSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.That(property.Value.TryGetProperty("title", out _) && property.Value.TryGetProperty("description", out _), Is.True, $"{type.Id}.{property.Name} needs a title and help text");
            }
        }
    }
}
