using WorkflowControl.Airflow;

namespace WorkflowControl.Api.Features.Deployments;

/// <summary>What a written deployment has become in Airflow, decided from what Airflow reports (a pure function).</summary>
public static class DeploymentStates
{
    public sealed record Observation(string State, string? Message, bool RequestReparse);

    /// <param name="writtenAt">When the DAG file was written.</param>
    /// <param name="file">The file's path below the dags folder (Airflow 2 reports absolute paths, Airflow 3 bundle-relative ones).</param>
    public static Observation Decide(DateTimeOffset writtenAt, string file, AirflowDag? dag, IReadOnlyList<AirflowImportError> importErrors, bool reparseRequested)
    {
        var error = importErrors
            .Where(e => e.Filename.Replace('\\', '/').EndsWith(file, StringComparison.Ordinal) && e.Timestamp >= writtenAt)
            .OrderByDescending(e => e.Timestamp)
            .FirstOrDefault();
        if (error is not null)
        {
            return new("import_error", error.StackTrace, false);
        }

        if (dag is { LastParsedTime: { } parsed } && parsed >= writtenAt)
        {
            return new("parsed", null, false);
        }

        // Airflow re-reads a known file on request; a brand-new file waits for the next folder scan.
        return new("written", dag is null ? "Waiting for Airflow to find the new DAG file." : "Waiting for Airflow to parse the new version.", dag is not null && !reparseRequested);
    }
}
