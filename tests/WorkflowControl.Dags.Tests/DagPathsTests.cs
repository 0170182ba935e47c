using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Dags.Tests;

public sealed class DagPathsTests
{
    [Test]
    public void Dag_id_and_path_come_from_the_uuids_only()
    {
        var workflow = Guid.Parse("6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
        var owner = Guid.Parse("0a2b4c6d-8e0f-4a1b-9c2d-3e4f5a6b7c8d");

        Assert.That(DagPaths.DagId(workflow), Is.EqualTo("wf_6f1c2a7e_3b4d_4e5f_8a9b_0c1d2e3f4a5b"));
        Assert.That(DagPaths.RelativePath(owner, workflow), Is.EqualTo("users/user_0a2b4c6d_8e0f_4a1b_9c2d_3e4f5a6b7c8d/wf_6f1c2a7e_3b4d_4e5f_8a9b_0c1d2e3f4a5b.py"));
        Assert.That(new DagPaths("/opt/airflow/dags/").FullPath(owner, workflow), Is.EqualTo("/opt/airflow/dags/users/user_0a2b4c6d_8e0f_4a1b_9c2d_3e4f5a6b7c8d/wf_6f1c2a7e_3b4d_4e5f_8a9b_0c1d2e3f4a5b.py"));
    }

    [Test]
    public void A_dag_id_leads_back_to_its_workflow_and_only_ids_made_here_do()
    {
        var workflow = Guid.Parse("6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");

        Assert.That(DagPaths.WorkflowIdOf(DagPaths.DagId(workflow)), Is.EqualTo(workflow));
        Assert.Multiple(() =>
        {
            foreach (var foreign in new[]
            {
                "example_bash_operator", "wf_", "wf_1", "wf_6F1C2A7E_3B4D_4E5F_8A9B_0C1D2E3F4A5B", "wf_6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                "wf_6f1c2a7e3b4d4e5f8a9b0c1d2e3f4a5b", "WF_6f1c2a7e_3b4d_4e5f_8a9b_0c1d2e3f4a5b", "wf_00000000_0000_0000_0000_000000000000",
            })
            {
                Assert.That(DagPaths.WorkflowIdOf(foreign), Is.Null, foreign);
            }
        });
    }

    [Test]
    public void An_empty_uuid_or_a_relative_root_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DagPaths.RelativePath(Guid.Empty, Guid.NewGuid()));
        Assert.Throws<ArgumentException>(() => DagPaths.DagId(Guid.Empty));
        Assert.Throws<ArgumentException>(() => _ = new DagPaths("dags"));
    }

    [Test]
    public void A_sibling_folder_sharing_the_roots_prefix_is_outside_the_root()
    {
        var paths = new DagPaths("/opt/airflow/dags");
        Assert.Throws<ArgumentException>(() => paths.Resolve("../dags-other/x.py"));
        Assert.That(paths.Resolve("users/./user_x/../user_y/wf.py"), Is.EqualTo("/opt/airflow/dags/users/user_y/wf.py"));
    }

    [Test]
    public void AddDagGeneration_binds_the_dags_root_and_publishes_there()
    {
        var root = Directory.CreateTempSubdirectory("wfc-dags-di-");
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Dags:Root"] = root.FullName }).Build();
            using var services = new ServiceCollection().AddDagGeneration(configuration).BuildServiceProvider();

            var published = services.GetRequiredService<DagPublisher>().Publish(GoldenCases.Load("001-minimal-manual"), GoldenCases.WorkflowId, GoldenCases.Owner, 1);

            Assert.That(published.FullPath, Does.StartWith(root.FullName + Path.DirectorySeparatorChar));
            Assert.That(File.Exists(published.FullPath), Is.True);
            Assert.That(services.GetRequiredService<FleetRerender>(), Is.Not.Null);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [TestCase(null, "Dags:Root (env Dags__Root) must name Airflow's dags folder.")]
    [TestCase("relative/dags", "Dags:Root (env Dags__Root) must be an absolute path.")]
    public void A_missing_or_relative_dags_root_fails_naming_the_key(string? root, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Dags:Root"] = root }).Build();
        using var services = new ServiceCollection().AddDagGeneration(configuration).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<DagPaths>())!;
        Assert.That(e.Message, Does.Contain(message));
    }
}
