namespace WorkflowControl.Cli;

/// <summary>Everything wfctl takes from the outside world, so tests can run it in-process against an in-memory API.</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, Func<string, string?> Variable, Func<HttpMessageHandler> CreateHandler)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often <c>run --wait</c> and <c>deploy --wait</c> ask for the run's or the deployment's state.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public static CliEnvironment FromProcess() =>
        new(Console.Out, Console.Error, Environment.GetEnvironmentVariable, () => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) });
}

/// <summary>Exit codes a pipeline can branch on; listed in <c>wfctl --help</c> and docs/ci.md.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int ValidationFailed = 1;

    /// <summary>`diff`: pushing the file would change the server's workflow (as `git diff --exit-code` says 1).</summary>
    public const int Differences = 1;
    public const int Usage = 2;
    public const int Auth = 3;
    public const int Conflict = 4;
    public const int RunFailed = 5;
    public const int Timeout = 6;
    public const int Unavailable = 7;
    public const int ImportError = 8;

    /// <summary>`deploy`: the workflow has runs that have not finished; `--force` deploys over them.</summary>
    public const int ActiveRuns = 9;

    public const string Help = """
        Exit codes: 0 ok, 1 validation failed, request refused (not found, invalid) or diff found changes, 2 usage, 3 authentication or
        permission, 4 conflict (a newer version on the server, or not deployed or not parsed by Airflow yet), 5 run
        failed or cancelled, 6 timeout, 7 server unavailable, 8 Airflow cannot import the deployed DAG file (deploy --wait), 9 the
        workflow has active runs (deploy without --force).
        Environment: WFCTL_SERVER (or --server), WFCTL_TOKEN or WFCTL_TOKEN_FILE (or --token-file).
        """;
}

/// <summary>An outcome that ends the command with a message on stderr and an exit code.</summary>
public sealed class CliException(int exitCode, string message, IReadOnlyList<string>? details = null, int? status = null) : Exception(message)
{
    /// <summary>The HTTP status when the server refused, so a caller can handle 412 or 404 itself.</summary>
    public int? Status { get; } = status;

    public int ExitCode { get; } = exitCode;

    public IReadOnlyList<string> Details { get; } = details ?? [];
}
