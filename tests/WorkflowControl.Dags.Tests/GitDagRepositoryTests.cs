using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

/// <summary>Git delivery: what Airflow's GitDagBundle finds in the repository after deployments, re-renders and deletes.</summary>
public sealed class GitDagRepositoryTests
{
    private static readonly DagOwner Ada = new(Guid.Parse("00000000-0000-0000-0000-0000000000ad"), "Ada");

    private DirectoryInfo _root = null!;
    private DagPublisher _publisher = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("wfc-git-");
        var writer = new DagFileWriter(new DagPaths(_root.FullName), new FakeTimeProvider());
        _publisher = new DagPublisher(new DagRenderer(), writer, repository: new GitDagRepository(writer, new FakeTimeProvider()));
    }

    [TearDown]
    public void TearDown() => _root.Delete(recursive: true);

    private static WorkflowDocument Document(string name) =>
        GoldenCases.Load("004-analysis-and-reporting") is var d ? d with { Metadata = d.Metadata with { Name = name } } : null!;

    private string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, WorkingDirectory = _root.FullName };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"git {string.Join(' ', arguments)}");
        return output.Trim();
    }

    [Test]
    public void Each_deployment_is_one_commit_by_its_user_and_deletes_and_rerenders_leave_one_file_per_workflow()
    {
        var sales = Guid.NewGuid();
        var stock = Guid.NewGuid();
        var grace = new DagChange("Grace <Hopper>\n", "grace@example.com", "Deploy Sales version 1\n\nDeployed by: Grace");

        var first = _publisher.Publish(Document("Sales"), sales, Ada, 1, grace);
        var second = _publisher.Publish(Document("Sales v2"), sales, Ada, 2, new DagChange("Ada", "", "Deploy Sales version 2"));
        var unchanged = _publisher.Publish(Document("Sales v2"), sales, Ada, 2);
        _publisher.Publish(Document("Stock"), stock, Ada, 1, new DagChange("Ada", "", "Deploy Stock version 1"));
        Assert.That(_publisher.Remove(Ada.Id, stock, new DagChange("Ada", "", "Delete Stock")), Is.True);
        Assert.That(_publisher.Remove(Ada.Id, stock), Is.False, "deleting again changes nothing");

        Assert.That(first.Commit, Has.Length.EqualTo(40));
        Assert.That(second.Commit, Is.Not.EqualTo(first.Commit));
        Assert.That(unchanged.Changed, Is.False);
        Assert.That(unchanged.Commit, Is.EqualTo(second.Commit), "a re-render of the same version makes no commit");
        Assert.That(Git("rev-parse", "--abbrev-ref", "HEAD"), Is.EqualTo(GitDagRepository.Branch));
        Assert.That(Git("log", "--format=%an <%ae>|%s").Split('\n'), Is.EqualTo(new[]
        {
            "Ada <>|Delete Stock",
            "Ada <>|Deploy Stock version 1",
            "Ada <>|Deploy Sales version 2",
            "Grace Hopper <grace@example.com>|Deploy Sales version 1",
            "WorkflowControl <>|WorkflowControl DAG bundle",
        }), "one commit per change, newest first, authored by who made it");
        Assert.That(Git("log", "-1", "--format=%B", first.Commit!), Does.Contain("Deployed by: Grace"));
        Assert.That(Git("show", $"{first.Commit}:{first.RelativePath}"), Does.Contain("# Version: 1"), "the commit holds the version it recorded");
        Assert.That(Git("ls-files").Split('\n'), Is.EqualTo(new[] { DagPaths.RelativePath(Ada.Id, sales) }), "one file per workflow, the deleted one gone");
        Assert.That(Git("status", "--porcelain", "--ignored"), Is.Empty, "no stray or uncommitted files in the work tree");
    }

    [Test]
    public void Concurrent_deployments_are_serialised_into_one_commit_each()
    {
        var workflows = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        var published = new PublishedDag[workflows.Count];
        Parallel.For(0, workflows.Count, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i =>
            published[i] = _publisher.Publish(Document("W" + i), workflows[i], Ada, 1, new DagChange("Ada", "", $"Deploy W{i}")));

        Assert.That(published.Select(p => p.Commit).Distinct().Count(), Is.EqualTo(workflows.Count), "every deployment has its own commit");
        foreach (var (p, i) in published.Select((p, i) => (p, i)))
        {
            Assert.That(Git("show", "--name-only", "--format=%s", p.Commit!).Split('\n'), Is.EqualTo(new[] { $"Deploy W{i}", "", p.RelativePath }),
                "each commit holds exactly its own workflow's file");
        }

        Assert.That(Git("rev-list", "--count", "HEAD"), Is.EqualTo((workflows.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), "a linear history");
        Assert.That(Git("ls-files").Split('\n'), Has.Length.EqualTo(workflows.Count));
        Assert.That(Git("status", "--porcelain", "--ignored"), Is.Empty);
    }
}
