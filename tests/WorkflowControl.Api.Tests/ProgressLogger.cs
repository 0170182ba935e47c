using Microsoft.Extensions.Logging;

namespace WorkflowControl.Api.Tests;

/// <summary>Shows the API's warnings and errors in the test output, so a 500 in a test explains itself.</summary>
public sealed class ProgressLoggerProvider : ILoggerProvider
{
    /// <summary>Also kept in a file, since test runners show progress output only at high verbosity.</summary>
    public static readonly string LogFile = Path.Combine(Path.GetTempPath(), "workflowcontrol-api-tests.log");

    public ILogger CreateLogger(string categoryName) => new ProgressLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class ProgressLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var line = $"[api {logLevel}] {category}: {formatter(state, exception)} {exception}";
                TestContext.Progress.WriteLine(line);
                lock (ProgressLoggerProvider.LogFile)
                {
                    File.AppendAllText(ProgressLoggerProvider.LogFile, line + Environment.NewLine);
                }
            }
        }
    }
}
