using System.Security.Cryptography;
using System.Text;

namespace WorkflowControl.Api.Infrastructure.Storage;

/// <summary>
/// Where the task library keeps a run's files under the shared data root:
/// <c>&lt;root&gt;/&lt;owner&gt;/&lt;workflow&gt;/&lt;safe run id&gt;/</c> (airflow/src/workflowcontrol_tasks/paths.py).
/// </summary>
public static class RunFolders
{
    /// <summary>
    /// A port of <c>paths.safe_run_id</c>: characters outside <c>A-Za-z0-9_.-</c> become <c>_</c> (one per code point,
    /// as Python counts them), dots are trimmed, and a changed id gets 8 hex digits of its SHA-256 so distinct ids stay
    /// distinct. tests/fixtures/safe-run-ids.json holds the cases both implementations must agree on.
    /// </summary>
    public static string SafeRunId(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var cleaned = new StringBuilder(runId.Length);
        foreach (var rune in runId.EnumerateRunes())
        {
            cleaned.Append(rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '_' or '.' or '-') ? (char)rune.Value : '_');
        }

        var safe = cleaned.ToString().Trim('.');
        if (safe.Length == 0)
        {
            safe = "run";
        }

        if (safe == runId)
        {
            return safe;
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)))[..8];
        return $"{safe[..Math.Min(safe.Length, 180)]}_{digest}";
    }

    /// <summary>The record a fused group keeps of its steps while it runs: <c>&lt;run folder&gt;/_steps/&lt;task id&gt;.json</c>.</summary>
    public static string StepRecordPath(string root, Guid ownerId, Guid workflowId, string runId, string taskId) =>
        Path.Combine(root, ownerId.ToString("D"), workflowId.ToString("D"), SafeRunId(runId), "_steps", taskId + ".json");
}
