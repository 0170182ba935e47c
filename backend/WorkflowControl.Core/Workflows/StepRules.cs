using System.Text.Json;
using System.Text.RegularExpressions;

namespace WorkflowControl.Core.Workflows;

/// <summary>A problem with one config field of a step; <paramref name="Field"/> is dotted (<c>conditions.0.value</c>).</summary>
public sealed record StepRuleProblem(string Field, string Message);

/// <summary>
/// What the task library would refuse at run time but a JSON Schema cannot say: paths that leave the data folder,
/// filter values that do not fit their comparison, charts without the columns they draw. The editor runs the same
/// rules (frontend stepRules.ts); tests/fixtures/step-rules.json holds the cases both must agree on, word for word.
/// </summary>
public static partial class StepRules
{
    private static readonly Dictionary<string, string> OperatorLabels = new(StringComparer.Ordinal)
    {
        ["eq"] = "equals", ["ne"] = "does not equal", ["lt"] = "is less than", ["le"] = "is at most",
        ["gt"] = "is greater than", ["ge"] = "is at least", ["in"] = "is one of", ["not_in"] = "is not one of",
        ["contains"] = "contains", ["starts_with"] = "starts with", ["ends_with"] = "ends with",
    };

    private static readonly HashSet<string> Ordering = new(StringComparer.Ordinal) { "lt", "le", "gt", "ge" };

    /// <summary>
    /// Why a path given by a user is not a path inside their data folder, or null when it is. The same refusals as
    /// the task library's <c>paths.confined</c> (airflow/src/workflowcontrol_tasks/paths.py), in the editor's words;
    /// symbolic links are checked where the file system is at hand.
    /// </summary>
    public static string? PathProblem(string? relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Contains('\0', StringComparison.Ordinal))
        {
            return "Give a path inside your data folder, for example sales/2024.csv.";
        }

        var slashed = relative.Replace('\\', '/');
        if (slashed.StartsWith('/') || DriveLetter().IsMatch(relative))
        {
            return "Give a path inside your data folder, for example sales/2024.csv, not a path from the root of the disk.";
        }

        return slashed.Split('/').Contains("..")
            ? "A path may not go up a folder with \"..\"; give a path inside your data folder, for example sales/2024.csv."
            : null;
    }

    /// <summary>The problems of one step's config; an empty list when the rules see nothing wrong.</summary>
    public static IReadOnlyList<StepRuleProblem> Check(string type, JsonElement config)
    {
        var problems = new List<StepRuleProblem>();
        if (config.ValueKind != JsonValueKind.Object)
        {
            return problems;
        }

        switch (type)
        {
            case "extract.csv":
                var source = Text(config, "source");
                if (source is not null && !source.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                    && !source.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && PathProblem(source) is { } sourceProblem)
                {
                    problems.Add(new("source", sourceProblem));
                }

                break;
            case "load.file":
                if (Text(config, "path") is { } path && PathProblem(path) is { } pathProblem)
                {
                    problems.Add(new("path", pathProblem));
                }

                break;
            case "transform.filter":
                if (config.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array)
                {
                    var i = 0;
                    foreach (var condition in conditions.EnumerateArray())
                    {
                        if (ValueProblem(condition) is { } valueProblem)
                        {
                            problems.Add(new($"conditions.{i}.value", valueProblem));
                        }

                        i++;
                    }
                }

                break;
            case "transform.join":
                var left = Count(config, "left_keys");
                var right = Count(config, "right_keys");
                if (left > 0 && right > 0 && left != right)
                {
                    problems.Add(new("right_keys", $"Give as many right keys as left keys ({left}), or none to use the same names."));
                }

                break;
            case "analyze.chart":
                var kind = Text(config, "kind") ?? "bar";
                if (kind is "bar" or "line" or "scatter" && string.IsNullOrWhiteSpace(Text(config, "x")))
                {
                    problems.Add(new("x", $"A {kind} chart needs a column for the X axis."));
                }

                if (Count(config, "y") == 0)
                {
                    problems.Add(new("y", $"A {kind} chart needs at least one column of values."));
                }

                break;
        }

        return problems;
    }

    /// <summary>Whether a filter condition's value fits its comparison (the operator defaults to "eq" as in the catalog).</summary>
    private static string? ValueProblem(JsonElement condition)
    {
        if (condition.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var op = Text(condition, "operator") ?? "eq";
        if (!OperatorLabels.TryGetValue(op, out var label))
        {
            return null; // is_null, not_null take no value; an unknown operator is the schema's to report
        }

        var hasValue = condition.TryGetProperty("value", out var value) && value.ValueKind != JsonValueKind.Null
            && !(value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0);
        if (op is "in" or "not_in")
        {
            return hasValue && !(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0) ? null : $"\"{label}\" needs at least one value.";
        }

        if (!Ordering.Contains(op))
        {
            return hasValue ? null : $"\"{label}\" needs a value to compare with.";
        }

        if (!hasValue)
        {
            return $"\"{label}\" needs a number or a date (YYYY-MM-DD) to compare with.";
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => null,
            JsonValueKind.String when IsNumberOrDate(value.GetString()!) => null,
            JsonValueKind.String => $"\"{label}\" needs a number or a date (YYYY-MM-DD); \"{value.GetString()}\" is neither.",
            _ => $"\"{label}\" needs a number or a date (YYYY-MM-DD).",
        };
    }

    /// <summary>Numbers and ISO dates compare as the task library reads them; a macro (<c>{{ params.min }}</c>) is known only at run time.</summary>
    private static bool IsNumberOrDate(string text) =>
        text.Contains("{{", StringComparison.Ordinal) || NumberText().IsMatch(text.Trim()) || DateText().IsMatch(text.Trim());

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Count(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.GetArrayLength() : 0;

    [GeneratedRegex("^[A-Za-z]:", RegexOptions.CultureInvariant)]
    private static partial Regex DriveLetter();

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberText();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateText();
}
