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
}
