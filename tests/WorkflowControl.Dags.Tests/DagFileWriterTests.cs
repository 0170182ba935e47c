using Microsoft.Extensions.Time.Testing;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags.Tests;

public sealed class DagFileWriterTests
{
    private static readonly Guid Owner = GoldenCases.OwnerId;
    private static readonly Guid Workflow = GoldenCases.WorkflowId;
    private DirectoryInfo _root = null!;
    private FakeTimeProvider _time = null!;
    private DagFileWriter _writer = null!;
    private DagPublisher _publisher = null!;

    [SetUp]
    public void CreateDagsRoot()
    {
        _root = Directory.CreateTempSubdirectory("wfc-dags-");
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _writer = new DagFileWriter(new DagPaths(_root.FullName), _time);
        _publisher = new DagPublisher(new DagRenderer(), _writer);
    }

    [TearDown]
    public void DeleteDagsRoot() => _root.Delete(recursive: true);

    [Test]
    public void Publishing_writes_the_file_in_the_owners_folder_and_reports_a_change()
    {
        var published = _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1);

        var expected = Path.Combine(_root.FullName, "users", "user_0a2b4c6d_8e0f_4a1b_9c2d_3e4f5a6b7c8d", "wf_6f1c2a7e_3b4d_4e5f_8a9b_0c1d2e3f4a5b.py");
        Assert.That(published.FullPath, Is.EqualTo(expected));
        Assert.That(published.RelativePath, Is.EqualTo("users/user_0a2b4c6d_8e0f_4a1b_9c2d_3e4f5a6b7c8d/wf_6f1c2a7e_3b4d_4e5f_8a9b_0c1d2e3f4a5b.py"));
        Assert.That(published.Changed, Is.True);
        Assert.That(File.ReadAllText(expected), Is.EqualTo(published.Content));
        Assert.That(published.ContentHash, Is.EqualTo(WorkflowJson.ContentHash(GoldenCases.Load("001-minimal-manual"))));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(expected)!), Is.EqualTo(new[] { expected }), "no temporary file left behind");
    }

    [Test]
    public void Unchanged_content_is_not_rewritten_and_keeps_its_modification_time()
    {
        var document = GoldenCases.Load("002-cron-params-retries");
        var first = _publisher.Publish(document, Workflow, GoldenCases.Owner, 4);
        var old = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(first.FullPath, old);

        var again = _publisher.Publish(document, Workflow, GoldenCases.Owner, 4);

        Assert.That(again.Changed, Is.False);
        Assert.That(File.GetLastWriteTimeUtc(first.FullPath), Is.EqualTo(old), "the file was not touched");

        var newVersion = _publisher.Publish(document, Workflow, GoldenCases.Owner, 5);
        Assert.That(newVersion.Changed, Is.True, "a new version changes the header");
        Assert.That(File.GetLastWriteTimeUtc(first.FullPath), Is.Not.EqualTo(old));
    }

    [Test]
    public void A_workflow_that_fails_to_render_leaves_the_previous_good_file_alone()
    {
        var good = _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1);
        var broken = GoldenCases.Load("001-minimal-manual") with { Metadata = new WorkflowMetadata { Name = "bad\0name" } };

        Assert.Throws<DagRenderException>(() => _publisher.Publish(broken, Workflow, GoldenCases.Owner, 2));

        Assert.That(File.ReadAllText(good.FullPath), Is.EqualTo(good.Content));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(good.FullPath)!), Has.Length.EqualTo(1));
    }

    [Test]
    public void A_crash_between_write_and_rename_keeps_the_old_file_intact_and_the_next_write_cleans_up()
    {
        var good = _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1);
        var folder = Path.GetDirectoryName(good.FullPath)!;
        string? leftover = null;
        _writer.BeforeRename = temporary =>
        {
            // The moment of the crash: the new text is on disk beside the old file, which is still whole.
            Assert.That(File.ReadAllText(good.FullPath), Is.EqualTo(good.Content), "old file intact before the rename");
            Assert.That(Path.GetFileName(temporary), Does.StartWith(".").And.EndWith(".tmp"), "Airflow only parses .py files");
            leftover = temporary + ".crashed.tmp";
            File.Copy(temporary, leftover); // what a killed process would leave behind
            throw new IOException("simulated crash");
        };

        Assert.Throws<IOException>(() => _publisher.Publish(GoldenCases.Load("002-cron-params-retries"), Workflow, GoldenCases.Owner, 2));

        Assert.That(File.ReadAllText(good.FullPath), Is.EqualTo(good.Content), "old file intact after the crash");
        Assert.That(PythonDagCheck.RunOne(File.ReadAllText(good.FullPath)).Compiles, Is.True, "and still a valid DAG file");
        Assert.That(Directory.GetFiles(folder, "*.py"), Is.EqualTo(new[] { good.FullPath }), "the leftover is no .py file Airflow would parse");
        Assert.That(File.Exists(leftover), Is.True);

        _writer.BeforeRename = null;
        File.SetLastWriteTimeUtc(leftover!, _time.GetUtcNow().UtcDateTime);
        _time.Advance(DagFileWriter.StaleTemporaryAge + TimeSpan.FromMinutes(1));
        var next = _publisher.Publish(GoldenCases.Load("002-cron-params-retries"), Workflow, GoldenCases.Owner, 2);

        Assert.That(File.ReadAllText(next.FullPath), Is.EqualTo(next.Content));
        Assert.That(Directory.GetFiles(folder), Is.EqualTo(new[] { next.FullPath }), "the stale temporary file was removed");
    }

    [Test]
    public void A_recent_temporary_file_of_another_writer_is_not_removed()
    {
        var good = _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1);
        var inFlight = Path.Combine(Path.GetDirectoryName(good.FullPath)!, $".{Path.GetFileName(good.FullPath)}.other.tmp");
        File.WriteAllText(inFlight, "being written");
        File.SetLastWriteTimeUtc(inFlight, _time.GetUtcNow().UtcDateTime);

        _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 2);

        Assert.That(File.Exists(inFlight), Is.True);
    }

    [Test]
    public void Removing_a_workflow_deletes_its_file()
    {
        var published = _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1);

        Assert.That(_publisher.Remove(Owner, Workflow), Is.True);
        Assert.That(File.Exists(published.FullPath), Is.False);
        Assert.That(_publisher.Remove(Owner, Workflow), Is.False, "removing again finds nothing");
    }

    [TestCase("../outside.py")]
    [TestCase("users/../../outside.py")]
    [TestCase("/etc/cron.d/evil.py")]
    [TestCase("")]
    [TestCase("users/")]
    public void Writes_cannot_leave_the_dags_root(string relativePath)
    {
        Assert.Throws<ArgumentException>(() => _writer.Write(relativePath, "x = 1\n"));
        Assert.That(File.Exists(Path.Combine(_root.Parent!.FullName, "outside.py")), Is.False);
    }

    [Test]
    public void A_link_planted_in_place_of_the_users_folder_is_refused_and_nothing_is_written_outside()
    {
        var outside = Directory.CreateTempSubdirectory("wfc-outside-");
        try
        {
            Directory.CreateDirectory(Path.Combine(_root.FullName, "users"));
            Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "users", UserFolder), outside.FullName);

            var refused = Assert.Throws<DagPathException>(() => _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1));

            Assert.That(refused!.RelativePath, Is.EqualTo($"users/{UserFolder}"));
            Assert.That(refused.Message, Does.Contain("symbolic link"));
            Assert.That(outside.GetFileSystemInfos(), Is.Empty, "nothing was written through the link");
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Test]
    public void A_link_in_place_of_the_users_folder_of_all_owners_is_refused()
    {
        var outside = Directory.CreateTempSubdirectory("wfc-outside-");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "users"), outside.FullName);

            Assert.Throws<DagPathException>(() => _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1));
            Assert.That(outside.GetFileSystemInfos(), Is.Empty);
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Test]
    public void A_DAG_file_that_is_a_link_is_neither_read_nor_replaced()
    {
        var target = Path.Combine(_root.Parent!.FullName, $"wfc-target-{Guid.NewGuid():N}.py");
        File.WriteAllText(target, "precious = 1\n");
        try
        {
            var file = _writer.Paths.FullPath(Owner, Workflow);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.CreateSymbolicLink(file, target);

            Assert.Throws<DagPathException>(() => _publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1));
            Assert.That(File.ReadAllText(target), Is.EqualTo("precious = 1\n"));
        }
        finally
        {
            File.Delete(target);
        }
    }

    [Test]
    public void Removing_through_a_linked_users_folder_deletes_nothing_outside_the_root()
    {
        var outside = Directory.CreateTempSubdirectory("wfc-outside-");
        try
        {
            var victim = Path.Combine(outside.FullName, Path.GetFileName(_writer.Paths.FullPath(Owner, Workflow)));
            File.WriteAllText(victim, "kept = 1\n");
            Directory.CreateDirectory(Path.Combine(_root.FullName, "users"));
            Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "users", UserFolder), outside.FullName);

            Assert.Throws<DagPathException>(() => _publisher.Remove(Owner, Workflow));
            Assert.That(File.Exists(victim), Is.True);
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Test]
    public void A_dags_root_that_is_itself_a_link_is_written_as_usual()
    {
        var link = Path.Combine(_root.FullName, "mounted");
        var real = Directory.CreateDirectory(Path.Combine(_root.FullName, "real"));
        Directory.CreateSymbolicLink(link, real.FullName);
        var publisher = new DagPublisher(new DagRenderer(), new DagFileWriter(new DagPaths(link), _time));

        var published = publisher.Publish(GoldenCases.Load("001-minimal-manual"), Workflow, GoldenCases.Owner, 1);

        Assert.That(File.Exists(Path.Combine(real.FullName, published.RelativePath)), Is.True);
    }

    private static string UserFolder => $"user_{Owner.ToString().Replace('-', '_')}";
}
