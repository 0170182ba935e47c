using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Api.Features.Runs;

/// <summary>
/// Checks the params of a trigger against the workflow's declared params and fills in defaults. A param without a
/// default (<see cref="WorkflowParam.IsNullable"/>) may be omitted or null, as its nullable Param in the DAG file allows.
/// </summary>
public static class RunParams
{
    /// <summary>The conf to send to Airflow, or the problems (each naming the param) when the values do not fit.</summary>
    public static (JsonObject? Conf, IReadOnlyList<ValidationProblem> Problems) Resolve(
        IReadOnlyDictionary<string, WorkflowParam> declared, IReadOnlyDictionary<string, JsonElement>? given)
    {
        var problems = new List<ValidationProblem>();
        var conf = new JsonObject();
        foreach (var (name, value) in given ?? new Dictionary<string, JsonElement>())
        {
            if (!declared.TryGetValue(name, out var param))
            {
                problems.Add(new($"/params/{name}", $"The workflow has no parameter '{name}'. Declared: {(declared.Count == 0 ? "none" : string.Join(", ", declared.Keys))}."));
                continue;
            }

            // The same rules as a saved default: readable text (PostgreSQL stores it as jsonb), numbers in range.
            if (JsonInputCheck.Check(JsonMarshal.GetRawUtf8Value(value)) is { Count: > 0 } unreadable)
            {
                problems.AddRange(unreadable.Select(p => p with { Pointer = $"/params/{name}{p.Pointer}" }));
                continue;
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString()!.Contains('\0', StringComparison.Ordinal))
            {
                problems.Add(new($"/params/{name}", "Text may not contain NUL characters (U+0000)."));
                continue;
            }

            if (WorkflowValidator.ParamDefaultProblem(param.Type, value) is not null || (value.ValueKind == JsonValueKind.Null && !param.IsNullable))
            {
                problems.Add(new($"/params/{name}", $"'{name}' must be a {param.Type}{(param.Type == "date" ? " (YYYY-MM-DD)" : "")}."));
                continue;
            }

            conf[name] = JsonNode.Parse(value.GetRawText());
        }

        foreach (var (name, param) in declared.Where(p => !conf.ContainsKey(p.Key) && given?.ContainsKey(p.Key) != true))
        {
            // Sent as null rather than left out, so the run's stored params say what it ran with.
            conf[name] = param.IsNullable ? null : JsonNode.Parse(param.Default!.Value.GetRawText());
        }

        return problems.Count == 0 ? (conf, problems) : (null, problems);
    }
}
