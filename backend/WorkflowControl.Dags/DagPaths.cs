using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace WorkflowControl.Dags;

/// <summary>How DAG files reach Airflow (Dags:Delivery).</summary>
public enum DagDelivery
{
    /// <summary>Files written in place in Airflow's dags folder (Airflow 2.10 and 3.x).</summary>
    Folder,

    /// <summary>Files committed to a git repository at Dags:Root, read by Airflow 3 as a GitDagBundle.</summary>
    GitBundle,
}

/// <summary>Configuration section "Dags": where Airflow's DAG processor reads the generated files.</summary>
public sealed class DagsOptions
{
    public const string Section = "Dags";

    /// <summary>Folder (default) or GitBundle (Airflow 3 only; Dags:Root is then the repository's work tree).</summary>
    public DagDelivery Delivery { get; set; } = DagDelivery.Folder;

    /// <summary>Absolute path of Airflow's dags folder (Dags__Root), e.g. /opt/airflow/dags.</summary>
    [Required(ErrorMessage = "Dags:Root (env Dags__Root) must name Airflow's dags folder.")]
    public string Root { get; set; } = "";
}

/// <summary>
/// Where a workflow's DAG file lives: <c>&lt;root&gt;/users/user_&lt;owner&gt;/wf_&lt;workflow&gt;.py</c>.
/// Built from GUIDs only, so no name a user chooses ever becomes part of a path; every full path is
/// checked to stay under the root anyway.
/// </summary>
public sealed class DagPaths
{
    public DagPaths(IOptions<DagsOptions> options)
        : this(options.Value.Root)
    {
    }

    public DagPaths(string root)
    {
        if (!Path.IsPathFullyQualified(root))
        {
            throw new ArgumentException($"The dags root must be an absolute path ({DagsOptions.Section}:Root).", nameof(root));
        }

        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>The dags root as a full path without a trailing separator.</summary>
    public string Root { get; }

    /// <summary>The Airflow dag_id of a workflow: stable across renames because it comes from the UUID alone.</summary>
    public static string DagId(Guid workflowId) => DagIdPrefix + Underscored(workflowId, nameof(workflowId));

    private const string DagIdPrefix = "wf_";

    /// <summary>
    /// The workflow a dag_id belongs to, or null for DAGs WorkflowControl did not generate: exactly the ids
    /// <see cref="DagId"/> makes, nothing that merely parses (other case, other GUID formats).
    /// </summary>
    public static Guid? WorkflowIdOf(string dagId) =>
        dagId.StartsWith(DagIdPrefix, StringComparison.Ordinal)
        && Guid.TryParseExact(dagId[DagIdPrefix.Length..].Replace('_', '-'), "D", out var id)
        && id != Guid.Empty
        && DagId(id) == dagId
            ? id
            : null;

    /// <summary>The file's path relative to the dags root, with forward slashes.</summary>
    public static string RelativePath(Guid ownerId, Guid workflowId) =>
        $"users/user_{Underscored(ownerId, nameof(ownerId))}/{DagId(workflowId)}.py";

    public string FullPath(Guid ownerId, Guid workflowId) => Resolve(RelativePath(ownerId, workflowId));

    /// <summary>The full path of <paramref name="relativePath"/>, refused unless it lies strictly inside the root.</summary>
    public string Resolve(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relativePath));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.EndsInDirectorySeparator(full))
        {
            throw new ArgumentException("The DAG file path leaves the dags root.", nameof(relativePath));
        }

        return full;
    }

    private static string Underscored(Guid id, string name) =>
        id == Guid.Empty
            ? throw new ArgumentException("An empty GUID names no workflow or user.", name)
            : id.ToString("D").Replace('-', '_');
}
