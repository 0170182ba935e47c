using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags;

/// <summary>The outcome of publishing one workflow version as a DAG file.</summary>
/// <param name="RelativePath">Path under the dags root, forward slashes (what a deployment records as its file).</param>
/// <param name="ContentHash">The workflow's content hash, as named in the file's header.</param>
/// <param name="Changed">False when the file already held exactly this text and was left untouched.</param>
/// <param name="Commit">With git delivery, the commit that holds the file; null with folder delivery.</param>
public sealed record PublishedDag(string RelativePath, string FullPath, string ContentHash, bool Changed, string Content, string? Commit = null);

/// <summary>
/// Render, then write: a workflow that fails to render throws before any file is touched. With a
/// <see cref="GitDagRepository"/> (Dags:Delivery = GitBundle) every change is also a commit by the given author.
/// </summary>
public sealed class DagPublisher(DagRenderer renderer, DagFileWriter writer, DagTelemetry? telemetry = null, GitDagRepository? repository = null)
{
    /// <summary>True with git delivery: deployments record commits, and Airflow 2.x cannot read them.</summary>
    public bool CommitsToGit => repository is not null;

    /// <exception cref="DagRenderException">The workflow cannot become a DAG file; the previous file is untouched.</exception>
    /// <exception cref="DagRepositoryException">Git delivery: the repository could not record the change.</exception>
    public PublishedDag Publish(WorkflowDocument document, Guid workflowId, DagOwner owner, int version, DagChange? change = null)
    {
        var rendered = renderer.Render(document, workflowId, owner, version);
        var (written, commit) = repository is null
            ? (writer.Write(rendered.RelativePath, rendered.Content), null)
            : repository.Write(rendered.RelativePath, rendered.Content,
                change ?? DagChange.System($"Re-render {DagPaths.DagId(workflowId)} version {version}"));
        telemetry?.Published(written.Changed);
        return new PublishedDag(rendered.RelativePath, written.FullPath, rendered.ContentHash, written.Changed, rendered.Content, commit);
    }

    /// <summary>Removes the workflow's DAG file (the DAG itself stays in Airflow until it is deleted there).</summary>
    public bool Remove(Guid ownerId, Guid workflowId, DagChange? change = null)
    {
        var removed = repository is null
            ? writer.Delete(ownerId, workflowId)
            : repository.Remove(ownerId, workflowId, change ?? DagChange.System($"Remove {DagPaths.DagId(workflowId)}")).Removed;
        if (removed)
        {
            telemetry?.Removed();
        }

        return removed;
    }
}
