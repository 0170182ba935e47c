using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags;

/// <summary>The outcome of publishing one workflow version as a DAG file.</summary>
/// <param name="RelativePath">Path under the dags root, forward slashes (what a deployment records as its file).</param>
/// <param name="ContentHash">The workflow's content hash, as named in the file's header.</param>
/// <param name="Changed">False when the file already held exactly this text and was left untouched.</param>
public sealed record PublishedDag(string RelativePath, string FullPath, string ContentHash, bool Changed, string Content);

/// <summary>Render, then write: a workflow that fails to render throws before any file is touched.</summary>
public sealed class DagPublisher(DagRenderer renderer, DagFileWriter writer, DagTelemetry? telemetry = null)
{
    /// <exception cref="DagRenderException">The workflow cannot become a DAG file; the previous file is untouched.</exception>
    public PublishedDag Publish(WorkflowDocument document, Guid workflowId, DagOwner owner, int version)
    {
        var rendered = renderer.Render(document, workflowId, owner, version);
        var written = writer.Write(rendered.RelativePath, rendered.Content);
        telemetry?.Published(written.Changed);
        return new PublishedDag(rendered.RelativePath, written.FullPath, rendered.ContentHash, written.Changed, rendered.Content);
    }

    /// <summary>Removes the workflow's DAG file (the DAG itself stays in Airflow until it is deleted there).</summary>
    public bool Remove(Guid ownerId, Guid workflowId)
    {
        var removed = writer.Delete(ownerId, workflowId);
        if (removed)
        {
            telemetry?.Removed();
        }

        return removed;
    }
}
