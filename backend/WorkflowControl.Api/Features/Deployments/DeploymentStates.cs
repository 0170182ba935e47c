using System.Text.RegularExpressions;
using WorkflowControl.Airflow;

namespace WorkflowControl.Api.Features.Deployments;

/// <summary>What a written deployment has become in Airflow, decided from what Airflow reports (pure functions).</summary>
public static partial class DeploymentStates
{
    /// <summary>The longest import error message a deployment shows; Airflow's last line can be a whole repr.</summary>
    public const int MaxMessageLength = 240;

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
            return new("import_error", ImportErrorWords(error.StackTrace, file), false);
        }

        if (dag is { LastParsedTime: { } parsed } && parsed >= writtenAt)
        {
            return new("parsed", null, false);
        }

        // Airflow re-reads a known file on request; a brand-new file waits for the next folder scan.
        return new("written", dag is null ? "Waiting for Airflow to find the new DAG file." : "Waiting for Airflow to parse the new version.", dag is not null && !reparseRequested);
    }

    /// <summary>
    /// Airflow's import error in words: the stack trace's last line (the exception), after the line of the generated
    /// file where it failed when the trace names that file. No server paths: Airflow 2.x shows absolute ones
    /// (<c>/opt/airflow/dags/users/…</c>), 3.x relative to the bundle; both are cut to the file name. Short: at most
    /// <see cref="MaxMessageLength"/> characters. Words in, the same words out.
    /// </summary>
    /// <param name="file">The DAG file below the dags folder, as the deployment records it (<c>users/user_…/wf_….py</c>).</param>
    public static string ImportErrorWords(string stackTrace, string file)
    {
        var lines = stackTrace.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var last = lines.Length == 0 ? "Airflow gave no reason." : lines[^1];
        var ours = file.Replace('\\', '/');
        var line = FrameLine().Matches(stackTrace)
            .Where(m => m.Groups["path"].Value.Replace('\\', '/') is var path && (path == ours || path.EndsWith("/" + ours, StringComparison.Ordinal)))
            .Select(m => m.Groups["line"].Value)
            .LastOrDefault();
        var directory = ours.Contains('/', StringComparison.Ordinal) ? ours[..(ours.LastIndexOf('/') + 1)] : null;
        var words = AbsoluteDirectories().Replace(directory is null ? last : last.Replace(directory, "", StringComparison.Ordinal), "");
        words = line is null ? words : $"Line {line} of the DAG file: {words}";
        if (words.Length <= MaxMessageLength)
        {
            return words;
        }

        var cut = char.IsHighSurrogate(words[MaxMessageLength - 2]) ? MaxMessageLength - 2 : MaxMessageLength - 1;
        return words[..cut] + "…";
    }

    /// <summary>
    /// The message a deployment shows: an import error in words, also for deployments recorded before the follower
    /// stored words (they hold Airflow's whole traceback); any other message as it is.
    /// </summary>
    public static string? ShownMessage(string state, string? message, string file) =>
        state == "import_error" && message is not null ? ImportErrorWords(message, file) : message;

    /// <summary>A frame of a Python traceback: <c>File "path", line N</c> (a syntax error's frame has no <c>, in …</c>).</summary>
    [GeneratedRegex("""File "(?<path>[^"]+)", line (?<line>\d+)""")]
    private static partial Regex FrameLine();

    /// <summary>The directories of an absolute path (POSIX or Windows), leaving its last part: not a URL's path.</summary>
    [GeneratedRegex("""(?<![\w.:/\\~-])(?:[A-Za-z]:)?[/\\](?:[^\s'"/\\:()<>,]+[/\\])+""")]
    private static partial Regex AbsoluteDirectories();
}
