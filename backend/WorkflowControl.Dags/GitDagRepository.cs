using System.Diagnostics;
using System.Text;

namespace WorkflowControl.Dags;

/// <summary>Who changed the DAG files and why: the commit's author and message with git delivery.</summary>
/// <param name="AuthorName">The user's display name (or "WorkflowControl" for a change the system makes).</param>
/// <param name="AuthorEmail">The user's e-mail, empty when the account has none.</param>
/// <param name="Message">The commit message: workflow, version and who deployed it.</param>
public sealed record DagChange(string AuthorName, string AuthorEmail, string Message)
{
    /// <summary>A change nobody asked for by hand, such as re-rendering every workflow after a template change.</summary>
    public static DagChange System(string message) => new("WorkflowControl", "", message);
}

/// <summary>The git repository could not record a change (git missing, a broken repository, a full disk).</summary>
public sealed class DagRepositoryException(string message) : Exception(message);

/// <summary>
/// Git delivery (Dags:Delivery = GitBundle): the dags root is the work tree of a git repository that Airflow 3 reads as
/// a GitDagBundle, so every run executes the commit it started with and remote workers fetch code themselves. Each
/// change of one workflow's file is one commit on branch <see cref="Branch"/>, written by the same atomic
/// <see cref="DagFileWriter"/> as folder delivery. Changes are serialised: within the process by a semaphore, across
/// API instances sharing the repository by an exclusive lock file inside .git, so two deployments never put their
/// files into one commit or race on git's index.
/// </summary>
public sealed class GitDagRepository(DagFileWriter writer, TimeProvider time)
{
    public const string Branch = "main";

    /// <summary>How long a change waits for another instance's change before it gives up.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private const string Committer = "WorkflowControl";
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Root => writer.Paths.Root;

    /// <summary>Writes and commits one file; the commit that holds it (the current one when nothing changed).</summary>
    public (DagWriteResult Written, string Commit) Write(string relativePath, string content, DagChange change) =>
        Change(relativePath, change, () => writer.Write(relativePath, content));

    /// <summary>Removes and commits a workflow's file; null commit when there was no file.</summary>
    public (bool Removed, string? Commit) Remove(Guid ownerId, Guid workflowId, DagChange change)
    {
        var (removed, commit) = Change(DagPaths.RelativePath(ownerId, workflowId), change, () => writer.Delete(ownerId, workflowId));
        return (removed, removed ? commit : null);
    }

    private (T Result, string Commit) Change<T>(string relativePath, DagChange change, Func<T> apply)
    {
        _gate.Wait();
        try
        {
            EnsureRepository();
            using var crossProcess = AcquireLock();
            var result = apply();
            // Stage exactly this file: its new text, or its removal (a file never tracked is no change).
            _ = File.Exists(writer.Paths.Resolve(relativePath))
                ? Git("add", "--", relativePath)
                : Git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", relativePath);
            if (Git("status", "--porcelain", "--", relativePath).Length > 0)
            {
                Git("-c", $"user.name={Committer}", "-c", "user.email=", "commit", "--quiet", "--no-verify",
                    $"--author={Clean(change.AuthorName)} <{Clean(change.AuthorEmail)}>", "--message", change.Message.Replace("\0", "", StringComparison.Ordinal),
                    "--", relativePath);
            }

            return (result, Git("rev-parse", "HEAD").Trim());
        }
        finally
        {
            _gate.Release();
        }
    }

    private void EnsureRepository()
    {
        Directory.CreateDirectory(Root);
        if (!Directory.Exists(Path.Combine(Root, ".git")))
        {
            Git("init", "--quiet", $"--initial-branch={Branch}");
        }

        if (Git(["rev-parse", "--verify", "--quiet", "HEAD"], allowFailure: true).Length == 0)
        {
            // Airflow's bundle needs a branch to track before the first deployment.
            Git("-c", $"user.name={Committer}", "-c", "user.email=", "commit", "--quiet", "--allow-empty", "--message", "WorkflowControl DAG bundle");
        }
    }

    /// <summary>An exclusive lock file, held open while this instance writes and commits.</summary>
    private FileStream AcquireLock()
    {
        var path = Path.Combine(Root, ".git", "workflowcontrol.lock");
        var deadline = time.GetUtcNow() + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                // Another API instance is committing; its change takes milliseconds.
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Name and e-mail go between "Name &lt;" and "&gt;" of git's identity: no angle brackets or line breaks.</summary>
    private static string Clean(string value) =>
        new(value.Where(c => c is not ('<' or '>') && !char.IsControl(c)).ToArray());

    private string Git(params string[] arguments) => Git(arguments, allowFailure: false);

    private string Git(string[] arguments, bool allowFailure)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = Root,
        };
        // Only this repository's settings count: no user or system configuration (hooks, signing, templates).
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.hooksPath=/dev/null");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("commit.gpgSign=false");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new DagRepositoryException("git could not be started.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new DagRepositoryException($"git {arguments[0]} failed in the DAG repository: {error.Result.Trim()}");
        }

        return process.ExitCode == 0 ? output : "";
    }
}
