using System.Text.RegularExpressions;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Infrastructure.Telemetry;

/// <summary>What docs/operations.md promises, read from its tables and headings, so tests hold the code and files to it.</summary>
public static partial class OperationsDoc
{
    public static string Text { get; } = File.ReadAllText(RepositoryRoot.Combine("docs", "operations.md"));

    /// <summary>The metrics of the table under "## Metrics the API exposes".</summary>
    public static IReadOnlyList<string> ApiMetrics => TableNames("## Metrics the API exposes");

    /// <summary>The metrics of the table under "## Airflow's metrics".</summary>
    public static IReadOnlyList<string> AirflowMetrics => TableNames("## Airflow's metrics");

    /// <summary>The backticked names in the first column of the first table in the section that starts at <paramref name="heading"/>.</summary>
    private static List<string> TableNames(string heading)
    {
        var start = Text.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"docs/operations.md has no section '{heading}'");
        var end = Text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        var section = end < 0 ? Text[start..] : Text[start..end];
        return section.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => Backticked().Matches(line.Split('|')[1]).Select(m => m.Groups[1].Value))
            .ToList();
    }

    [GeneratedRegex("`([a-z_][a-z0-9_]*)`")]
    private static partial Regex Backticked();
}
