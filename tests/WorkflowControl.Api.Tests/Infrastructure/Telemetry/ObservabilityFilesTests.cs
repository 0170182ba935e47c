using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Infrastructure.Telemetry;

/// <summary>
/// The committed Prometheus configuration, alert rules and Grafana dashboard: Prometheus' own promtool (Debian's
/// package "prometheus", installed by make deps) loads them and runs the rules' unit tests, and every metric, panel and
/// alert they name is documented in docs/operations.md.
/// </summary>
public sealed partial class ObservabilityFilesTests
{
    private static readonly string Prometheus = RepositoryRoot.Combine("observability", "prometheus");

    [Test]
    public void Promtool_loads_the_committed_alert_rules() => Promtool("check", "rules", Path.Combine(Prometheus, "alerts.yml"));

    [Test]
    public void Promtool_accepts_the_Prometheus_configuration() => Promtool("check", "config", Path.Combine(Prometheus, "prometheus.yml"));

    [Test]
    public void Each_alert_fires_on_the_series_of_its_unit_test() => Promtool("test", "rules", Path.Combine(Prometheus, "alerts.test.yml"));

    [Test]
    public void Every_alert_has_a_section_in_docs_operations_md_that_its_runbook_points_to()
    {
        var rules = File.ReadAllText(Path.Combine(Prometheus, "alerts.yml"));
        var alerts = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToList();

        Assert.That(alerts, Has.Count.GreaterThanOrEqualTo(4));
        foreach (var alert in alerts)
        {
            Assert.That(OperationsDoc.Text, Does.Contain($"\n### {alert}\n"), $"docs/operations.md explains {alert}");
            Assert.That(rules, Does.Contain($"runbook: \"docs/operations.md#{alert.ToLowerInvariant()}\""));
        }
    }

    [Test]
    public void The_dashboard_and_the_alerts_use_only_metrics_docs_operations_md_lists()
    {
        var documented = OperationsDoc.ApiMetrics.Concat(OperationsDoc.AirflowMetrics).Append("up").ToHashSet();
        var expressions = Dashboard().Select(p => p.Targets).SelectMany(t => t)
            .Concat(AlertExpression().Matches(File.ReadAllText(Path.Combine(Prometheus, "alerts.yml"))).Select(m => m.Groups[1].Value));

        var used = expressions.SelectMany(e => Selector().Matches(e).Select(m => HistogramSeries().Replace(m.Groups[1].Value, ""))).ToHashSet();

        Assert.That(used, Has.Count.GreaterThan(10));
        Assert.That(used.Except(documented), Is.Empty, "metrics the dashboard or alerts use that docs/operations.md does not list");
    }

    [Test]
    public void Every_dashboard_panel_is_explained_in_docs_operations_md()
    {
        var panels = Dashboard().ToList();

        Assert.That(panels, Has.Count.GreaterThanOrEqualTo(12));
        foreach (var (title, _) in panels)
        {
            Assert.That(OperationsDoc.Text, Does.Contain($"- *{title}*:"), $"the panel '{title}'");
        }
    }

    /// <summary>The dashboard's panels (rows left out) with the PromQL of their queries.</summary>
    private static IEnumerable<(string Title, List<string> Targets)> Dashboard()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("observability", "grafana", "dashboards", "workflowcontrol.json")))!;
        return dashboard["panels"]!.AsArray()
            .Where(p => p!["type"]!.GetValue<string>() != "row")
            .Select(p => (p!["title"]!.GetValue<string>(), p["targets"]!.AsArray().Select(t => t!["expr"]!.GetValue<string>()).ToList()));
    }

    private static void Promtool(params string[] args)
    {
        var promtool = Processes.Find("promtool")
            ?? throw new AssertionException("promtool is missing: `make deps` installs Debian's package prometheus, which has it");
        var (exit, output, errors) = Processes.Run(promtool, args);

        Assert.That(exit, Is.Zero, output + errors);
    }

    [GeneratedRegex(@"- alert: (\w+)")]
    private static partial Regex AlertName();

    /// <summary>An alert's expression: the block after "expr: |" (up to "for:" or "labels:"), or a one-line expression.</summary>
    [GeneratedRegex(@"expr: \|?\s*(.*?)\n\s+(?:for|labels):", RegexOptions.Singleline)]
    private static partial Regex AlertExpression();

    /// <summary>A metric name in a selector: every query here filters by job, so each name is followed by a brace.</summary>
    [GeneratedRegex(@"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")]
    private static partial Regex Selector();

    [GeneratedRegex("_(bucket|count|sum)$")]
    private static partial Regex HistogramSeries();
}
