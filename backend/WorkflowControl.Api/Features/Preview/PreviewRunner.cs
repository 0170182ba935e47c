using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using WorkflowControl.Api.Infrastructure.Storage;
using WorkflowControl.Api.Infrastructure.Telemetry;

namespace WorkflowControl.Api.Features.Preview;

/// <summary>What the preview process answered, as values the endpoint maps to responses in one place.</summary>
public abstract record PreviewOutcome
{
    public sealed record Rows(JsonElement Answer) : PreviewOutcome;

    /// <summary>The task library refused or failed with a message meant for the analyst.</summary>
    public sealed record TaskProblem(string? Task, string? Field, string Problem) : PreviewOutcome;

    public sealed record TimedOut(TimeSpan After) : PreviewOutcome;

    public sealed record TooLarge(int Limit) : PreviewOutcome;

    /// <summary>Preview cannot run on this installation (not configured, interpreter missing).</summary>
    public sealed record Unavailable(string Reason) : PreviewOutcome;

    /// <summary>The process ended without a readable answer; details stay in the server log.</summary>
    public sealed record Crashed : PreviewOutcome;
}

/// <summary>
/// Runs `python -m workflowcontrol_tasks.preview` with the request on stdin: no shell, no values on the command line,
/// a minimal environment (the API's own settings and secrets never reach the task), a time-out and an output cap.
/// </summary>
public sealed class PreviewRunner(IOptions<PreviewOptions> options, IOptions<SharedDataOptions> sharedData, ILogger<PreviewRunner> logger, ApiTelemetry telemetry, TimeProvider time)
{
    private readonly PreviewOptions _options = options.Value;
    private readonly string? _sharedDataRoot = sharedData.Value.UsableRoot;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrent);
    private readonly string? _libraryPath = FindTaskLibrary(options.Value.TaskLibraryPath);

    public TimeSpan Timeout => _options.Timeout;

    /// <summary>Runs the preview and measures it (count, duration and outcome).</summary>
    public async Task<PreviewOutcome> RunAsync(JsonObject request, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var outcome = await RunUnmeasuredAsync(request, ct);
        telemetry.PreviewFinished(OutcomeName(outcome), time.GetElapsedTime(started));
        return outcome;
    }

    /// <summary>The outcome as a metric label.</summary>
    internal static string OutcomeName(PreviewOutcome outcome) => outcome switch
    {
        PreviewOutcome.Rows => "rows",
        PreviewOutcome.TaskProblem => "task_problem",
        PreviewOutcome.TimedOut => "timed_out",
        PreviewOutcome.TooLarge => "too_large",
        PreviewOutcome.Unavailable => "unavailable",
        _ => "crashed",
    };

    private async Task<PreviewOutcome> RunUnmeasuredAsync(JsonObject request, CancellationToken ct)
    {
        if (_sharedDataRoot is null)
        {
            return new PreviewOutcome.Unavailable("the shared data folder is not configured on the server (Preview:SharedDataRoot or SharedData:Root)");
        }

        if (!File.Exists(_options.Python))
        {
            return new PreviewOutcome.Unavailable($"the Python interpreter for previews was not found on the server (Preview:Python = {_options.Python})");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await _slots.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new PreviewOutcome.TimedOut(_options.Timeout);
        }

        try
        {
            return await RunProcessAsync(request, timeout.Token, ct);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<PreviewOutcome> RunProcessAsync(JsonObject request, CancellationToken timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(_options.Python)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add("-m");
        start.ArgumentList.Add("workflowcontrol_tasks.preview");
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["WORKFLOWCONTROL_SHARED_DATA"] = _sharedDataRoot;
        start.Environment["WORKFLOWCONTROL_SECRETS_DIR"] = _options.SecretsRoot;
        if (!string.IsNullOrWhiteSpace(_options.AllowedHosts))
        {
            // The same allow-list as Airflow's workers, so a step that runs there is not refused here.
            start.Environment["WORKFLOWCONTROL_ALLOWED_HOSTS"] = _options.AllowedHosts;
        }
        if (_libraryPath is not null)
        {
            start.Environment["PYTHONPATH"] = _libraryPath;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            logger.LogWarning("Preview could not start {Python}: {Reason}", _options.Python, e.Message);
            return new PreviewOutcome.Unavailable("the preview process could not be started on the server");
        }

        try
        {
            var stdout = ReadCappedAsync(process.StandardOutput, _options.MaxOutputBytes, timeout);
            var stderr = ReadCappedAsync(process.StandardError, 16 * 1024, timeout);
            await process.StandardInput.WriteAsync(request.ToJsonString().AsMemory(), timeout);
            process.StandardInput.Close();
            var (output, overflow) = await stdout;
            if (overflow)
            {
                Kill(process);
                return new PreviewOutcome.TooLarge(_options.MaxOutputBytes);
            }

            await process.WaitForExitAsync(timeout);
            var (errors, _) = await stderr;
            return Interpret(process.ExitCode, output, errors);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Kill(process);
            return new PreviewOutcome.TimedOut(_options.Timeout);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
        catch (IOException)
        {
            // The process closed its stdin early (it crashed while we were still writing the request).
            Kill(process);
            return new PreviewOutcome.Crashed();
        }
    }

    private PreviewOutcome Interpret(int exitCode, string output, string errors)
    {
        JsonElement answer;
        try
        {
            answer = JsonDocument.Parse(output).RootElement.Clone();
        }
        catch (JsonException)
        {
            // stderr holds Python's traceback, which can quote config or secret values: only the exception's kind is
            // logged, and a missing Python module (the server's installation, not the workflow) is named.
            var crash = PreviewCrash.Read(errors);
            if (crash.MissingModule is { } module)
            {
                logger.LogWarning("Preview needs the Python module {Module}, which {Python} cannot import", module, _options.Python);
                return new PreviewOutcome.Unavailable($"the server's Python ({_options.Python}) lacks the module '{module}' that previews need; an administrator needs to install the task library's dependencies (make deps)");
            }

            logger.LogWarning("Preview process exited with {ExitCode} without an answer ({ExceptionType})", exitCode, crash.ExceptionType ?? "no exception named");
            return new PreviewOutcome.Crashed();
        }

        if (exitCode == 0 && answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("rows", out _))
        {
            return new PreviewOutcome.Rows(answer);
        }

        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            return new PreviewOutcome.TaskProblem(Text(error, "task"), Text(error, "field"), Text(error, "problem") ?? "the task failed");
        }

        logger.LogWarning("Preview process exited with {ExitCode} and an unexpected answer", exitCode);
        return new PreviewOutcome.Crashed();
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;


    /// <summary>Reads until the end or until more than <paramref name="limit"/> characters arrived (then stops reading).</summary>
    private static async Task<(string Text, bool Overflow)> ReadCappedAsync(StreamReader reader, int limit, CancellationToken ct)
    {
        var text = new StringBuilder();
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer, ct)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > limit)
            {
                return (text.ToString(0, limit), true);
            }
        }

        return (text.ToString(), false);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>The configured folder, or the repository's airflow/src above the API's binaries (local runs and tests).</summary>
    private static string? FindTaskLibrary(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "airflow", "src");
            if (Directory.Exists(Path.Combine(candidate, "workflowcontrol_tasks")))
            {
                return candidate;
            }
        }

        return null;
    }
}
