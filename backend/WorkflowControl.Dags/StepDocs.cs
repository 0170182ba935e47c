using System.Globalization;
using System.Text;
using System.Text.Json;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags;

/// <summary>
/// The task documentation Airflow shows for a step (<c>doc_md</c>): what kind of step it is and a summary of its
/// settings, so an operator reading the UI need not open the source. Airflow renders it as Markdown and never as a
/// template; every workflow value is shown in a code span so it reads as text, and the whole string still goes
/// through the Python-literal encoder.
/// </summary>
public static class StepDocs
{
    // One line, characters as written (the doc is text for people; Markdown code spans keep it inert).
    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>A setting's value is cut to this many characters in the summary.</summary>
    public const int MaxValueLength = 160;

    /// <summary>At most this many settings are listed; the rest are counted.</summary>
    public const int MaxSettings = 20;

    public static string Markdown(WorkflowTask task, ITaskCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var type = (catalog ?? EmbeddedTaskCatalog.Instance).Find(task.Type);
        var text = new StringBuilder();
        // Titles and descriptions are the catalog's own text; everything from the workflow is a code span.
        text.Append("**").Append(type?.Title ?? "Unknown step type").Append("** ").Append(Code(task.Type)).Append('\n');
        if (type is not null)
        {
            text.Append('\n').Append(type.Description).Append('\n');
        }

        var settings = task.Config.ValueKind == JsonValueKind.Object ? task.Config.EnumerateObject().ToList() : [];
        if (settings.Count > 0)
        {
            text.Append("\nSettings:\n\n");
            foreach (var setting in settings.Take(MaxSettings))
            {
                var value = setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString()! : JsonSerializer.Serialize(setting.Value, CompactJson);
                text.Append("- ").Append(Code(setting.Name)).Append(": ").Append(Code(value)).Append('\n');
            }

            if (settings.Count > MaxSettings)
            {
                text.Append(CultureInfo.InvariantCulture, $"- … and {settings.Count - MaxSettings} more\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The task's display name in Airflow's UI: its steps in run order, shortened for long groups.</summary>
    public static string GroupTitle(IReadOnlyList<string> steps) =>
        steps.Count <= 4 ? string.Join(" → ", steps) : $"{steps[0]} → {steps[1]} → … ({steps.Count - 3} more) → {steps[^1]}";

    /// <summary>A fused group's documentation: that its steps share one task, then each step's own.</summary>
    public static string GroupMarkdown(IEnumerable<WorkflowTask> steps)
    {
        var text = new StringBuilder("**Fused steps**: these steps run one after another in this task, handing their data over in memory.\n");
        var number = 0;
        foreach (var step in steps)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n#### {++number}. ").Append(Code(step.Id)).Append("\n\n").Append(Markdown(step));
        }

        return text.ToString();
    }

    /// <summary>
    /// A Markdown code span that shows <paramref name="value"/> as written (Markdown neither interprets nor lets HTML
    /// through a code span): fenced by one backtick more than its longest run of backticks, on one line, shortened.
    /// </summary>
    internal static string Code(string value)
    {
        var text = new StringBuilder();
        var count = 0;
        // Runes, so a lone surrogate becomes U+FFFD instead of reaching the encoder, which would refuse the file.
        foreach (var rune in value.EnumerateRunes())
        {
            if (++count > MaxValueLength)
            {
                text.Append('…');
                break;
            }

            var isBreak = rune.IsBmp && (char.IsControl((char)rune.Value) || rune.Value is 0x2028 or 0x2029);
            text.Append(isBreak ? " " : rune.ToString());
        }

        var shown = text.ToString();
        var longestRun = 0;
        for (int i = 0, run = 0; i < shown.Length; i++)
        {
            run = shown[i] == '`' ? run + 1 : 0;
            longestRun = Math.Max(longestRun, run);
        }

        var fence = new string('`', longestRun + 1);
        var pad = shown.StartsWith('`') || shown.EndsWith('`') || shown.Length == 0 ? " " : "";
        return fence + pad + shown + pad + fence;
    }
}
