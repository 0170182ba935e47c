using System.Text;

namespace WorkflowControl.Dags;

/// <summary>What a write did: the file's full path and whether its bytes changed.</summary>
public sealed record DagWriteResult(string FullPath, bool Changed);

/// <summary>
/// Writes DAG files so that Airflow never reads half a file: the new text goes to a temporary file in the same
/// folder (a name Airflow does not parse), is flushed to disk, and then renamed over the old file in one step.
/// Identical content is left alone, so Airflow does not re-parse and the file keeps its modification time.
/// Every path component below the root is checked without following links, before anything is read, created,
/// written or deleted: a link planted in place of a user's folder (or file) never leads the writer outside the root.
/// The root itself may be a link, as mounted volumes often are.
/// </summary>
public sealed class DagFileWriter(DagPaths paths, TimeProvider time)
{
    /// <summary>Temporary files older than this are leftovers of a crash, not another writer's work in progress.</summary>
    public static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromMinutes(10);

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public DagPaths Paths { get; } = paths;

    /// <summary>Test seam: runs after the temporary file is on disk and before the rename.</summary>
    internal Action<string>? BeforeRename { get; set; }

    /// <summary>Writes <paramref name="content"/> to <paramref name="relativePath"/> under the dags root.</summary>
    /// <exception cref="ArgumentException">The path leaves the dags root.</exception>
    /// <exception cref="DagPathException">A folder or the file below the root is a symbolic link.</exception>
    public DagWriteResult Write(string relativePath, string content)
    {
        var full = Paths.Resolve(relativePath);
        RefuseLinks(full);
        var bytes = Utf8.GetBytes(content);
        if (HasContent(full, bytes))
        {
            return new DagWriteResult(full, Changed: false);
        }

        var directory = Path.GetDirectoryName(full)!;
        RefuseLinks(directory, create: true);
        // CreateNew is O_EXCL: the temporary file is never a link that someone placed there.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            BeforeRename?.Invoke(temporary);
            RefuseLinks(full); // once more, as late as possible; rename replaces a link at the file itself, never follows it
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        RemoveStaleTemporaries(full);
        return new DagWriteResult(full, Changed: true);
    }

    /// <summary>Removes a workflow's DAG file; false when there was none.</summary>
    /// <exception cref="DagPathException">A folder or the file below the root is a symbolic link.</exception>
    public bool Delete(Guid ownerId, Guid workflowId)
    {
        var full = Paths.FullPath(ownerId, workflowId);
        RefuseLinks(full);
        if (!Directory.Exists(Path.GetDirectoryName(full)))
        {
            // Never deployed: the owner's folder was never created, so there is nothing to remove.
            return false;
        }

        var existed = File.Exists(full);
        File.Delete(full);
        RemoveStaleTemporaries(full);
        return existed;
    }

    /// <summary>
    /// Looks at each component from the root down to <paramref name="path"/> without following links (and with
    /// <paramref name="create"/>, creates the missing folders one at a time, so none is created through a link).
    /// </summary>
    private void RefuseLinks(string path, bool create = false)
    {
        var current = Paths.Root;
        foreach (var part in Path.GetRelativePath(Paths.Root, path).Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null)
            {
                throw new DagPathException(Path.GetRelativePath(Paths.Root, current).Replace(Path.DirectorySeparatorChar, '/'));
            }

            if (create)
            {
                Directory.CreateDirectory(current);
            }
        }
    }

    private static bool HasContent(string path, byte[] bytes)
    {
        try
        {
            if (new FileInfo(path) is not { Exists: true } info || info.Length != bytes.Length)
            {
                return false;
            }

            return File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A crash between write and rename leaves a temporary file behind; the next write of that file removes it.</summary>
    private void RemoveStaleTemporaries(string full)
    {
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            return;
        }

        var cutoff = time.GetUtcNow().UtcDateTime - StaleTemporaryAge;
        foreach (var leftover in Directory.EnumerateFiles(directory, $".{Path.GetFileName(full)}.*.tmp"))
        {
            if (File.GetLastWriteTimeUtc(leftover) < cutoff)
            {
                TryDelete(leftover);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
