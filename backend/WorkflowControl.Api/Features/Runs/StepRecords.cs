using Microsoft.Extensions.Options;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// Reads the records fused groups write while they run, from the shared data root the task library writes to (the
/// one previews read too: Preview:SharedDataRoot or SharedData:Root). Without a root, or without a record, a step
/// shows its group's state.
/// </summary>
public sealed class StepRecords(IOptions<SharedDataOptions> options, ILogger<StepRecords> logger)
{
    /// <summary>A group of at most a dozen steps writes a few KiB; anything much larger is not a record.</summary>
    private const long MaxBytes = 1024 * 1024;

    public StepRecord? Read(Guid ownerId, Guid workflowId, string runId, string taskId)
    {
        if (options.Value.UsableRoot is not { } root)
        {
            return null;
        }

        var file = new FileInfo(RunFolders.StepRecordPath(root, ownerId, workflowId, runId, taskId));
        try
        {
            // The task library replaces the file whole (write, then rename): a read sees one version or the other.
            return file.Exists && file.Length <= MaxBytes ? StepRecord.Parse(File.ReadAllText(file.FullName), file.LastWriteTimeUtc) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not read the step record {File}: {Reason}", file.FullName, e.Message);
            return null;
        }
    }
}
