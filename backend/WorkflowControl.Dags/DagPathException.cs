namespace WorkflowControl.Dags;

/// <summary>
/// A path below the dags root is a symbolic link: writing or deleting through it could reach any file the API
/// may write, so the writer refuses. <see cref="RelativePath"/> names the link under the root.
/// </summary>
public sealed class DagPathException(string relativePath)
    : IOException($"The dags folder holds a symbolic link at '{relativePath}'. WorkflowControl never writes or deletes through a link below the dags root; an administrator must replace the link with a real folder (or remove it), then deploy again.")
{
    public string RelativePath { get; } = relativePath;
}
