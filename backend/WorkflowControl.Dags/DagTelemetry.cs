using System.Diagnostics.Metrics;

namespace WorkflowControl.Dags;

/// <summary>Metrics of DAG generation (meter <see cref="Name"/>); docs/operations.md lists them.</summary>
public sealed class DagTelemetry
{
    public const string Name = "WorkflowControl.Dags";

    private readonly Counter<long> _files;

    public DagTelemetry(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _files = meters.Create(Name).CreateCounter<long>("workflowcontrol.dag_files.written", "{file}",
            "DAG files published, by outcome: written (new or changed text), unchanged (the file already held it), removed.");
    }

    internal void Published(bool changed) => _files.Add(1, new KeyValuePair<string, object?>("outcome", changed ? "written" : "unchanged"));

    internal void Removed() => _files.Add(1, new KeyValuePair<string, object?>("outcome", "removed"));
}
