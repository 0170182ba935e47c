using Microsoft.Extensions.Options;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Infrastructure.Storage;

/// <summary>
/// The folders of the shared data root the task library reads and writes (airflow/src/workflowcontrol_tasks/paths.py):
/// a user's files in <c>&lt;root&gt;/&lt;owner&gt;/files</c>, a workflow's runs in <c>&lt;root&gt;/&lt;owner&gt;/&lt;workflow&gt;/&lt;run&gt;</c>.
/// The root is the one previews and step records use (Preview:SharedDataRoot or SharedData:Root).
/// </summary>
public sealed class DataFolders(IOptions<SharedDataOptions> options)
{
    /// <summary>The shared data root, or null when this API has none configured (no files then).</summary>
    public string? Root => options.Value.UsableRoot is { } root ? Path.GetFullPath(root) : null;

    public string? UserFiles(Guid ownerId) => Root is { } root ? Path.Combine(root, ownerId.ToString("D"), "files") : null;

    public string? WorkflowFolder(Guid ownerId, Guid workflowId) => Root is { } root ? Path.Combine(root, ownerId.ToString("D"), workflowId.ToString("D")) : null;

    public string? RunFolder(Guid ownerId, Guid workflowId, string runId) =>
        WorkflowFolder(ownerId, workflowId) is { } folder ? Path.Combine(folder, RunFolders.SafeRunId(runId)) : null;

    /// <summary>
    /// A user-given relative path inside <paramref name="baseFolder"/>: the task library's refusals
    /// (<see cref="StepRules.PathProblem"/>), and no symbolic link on the way, so nothing outside the folder is reached.
    /// </summary>
    public static (string? Path, string? Problem) Confine(string baseFolder, string relative)
    {
        if (StepRules.PathProblem(relative) is { } problem)
        {
            return (null, problem);
        }

        var parts = relative.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p == "."))
        {
            return (null, "Give a path inside your data folder, for example sales/2024.csv.");
        }

        var current = baseFolder;
        foreach (var part in parts)
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null)
            {
                return (null, "Symbolic links are not allowed in paths.");
            }
        }

        var full = Path.GetFullPath(current);
        return full.StartsWith(Path.GetFullPath(baseFolder) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? (full, null)
            : (null, "The path leaves your data folder.");
    }
}
