using System.Text.Json;
using System.Text.Json.Nodes;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Json.Schema;
using WorkflowControl.Core.Catalog;

namespace WorkflowControl.Core.Workflows;

/// <summary>One problem in a workflow document, located by a JSON pointer (RFC 6901).</summary>
public sealed record ValidationProblem(string Pointer, string Message);

/// <summary>The outcome of validation: the parsed document when it is usable, and every problem found.</summary>
public sealed record WorkflowValidation(WorkflowDocument? Document, IReadOnlyList<ValidationProblem> Problems)
{
    public bool IsValid => Document is not null && Problems.Count == 0;
}

/// <summary>
/// Validates workflow documents with the same rules and messages everywhere (API, CLI, editor):
/// structure against the committed JSON Schema, then meaning (ids, task types and their configs, graph, schedule).
/// Every problem is reported at once.
/// </summary>
public sealed partial class WorkflowValidator(ITaskCatalog catalog)
{
    public const int MaxTasks = WorkflowLimits.MaxTasks;
    public const int MaxDocumentBytes = WorkflowLimits.MaxDocumentBytes;

    /// <summary>Tags WorkflowControl gives every DAG itself; a user's tag may not look like them.</summary>
    public const string ProductTag = "workflowcontrol";
    public const string OwnerTagPrefix = "owner:";

    private static readonly EvaluationOptions SchemaOptions = new() { OutputFormat = OutputFormat.List };

    public static JsonSchema DocumentSchema { get; } = JsonSchema.FromText(WorkflowSchema.Text);

    public WorkflowValidation Validate(string json) => Validate(System.Text.Encoding.UTF8.GetBytes(json));

    public WorkflowValidation Validate(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Length > MaxDocumentBytes)
        {
            return Fail("", $"The document is {utf8Json.Length:N0} bytes; the limit is {MaxDocumentBytes:N0} bytes (2 MB).");
        }

        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..]; // a byte order mark some editors write is not part of the JSON
        }

        if (JsonInputCheck.Check(utf8Json.Span) is { Count: > 0 } unreadable)
        {
            return new WorkflowValidation(null, unreadable);
        }

        using var parsed = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = WorkflowLimits.MaxDepth + 1 });
        return Validate(parsed.RootElement, draft: false, inputChecked: true);
    }

    public WorkflowValidation Validate(JsonElement root) => Validate(root, draft: false, inputChecked: false);

    /// <summary>
    /// The check for a document still being edited (the collaboration hub's result of an operation): structure,
    /// ids, edges, cycles, types, schedule. A step's config and its number of inputs may still be incomplete;
    /// <see cref="Validate(JsonElement)"/> reports those, and deploying needs a document that passes it.
    /// </summary>
    public WorkflowValidation ValidateDraft(JsonElement root) => Validate(root, draft: true, inputChecked: false);

    private WorkflowValidation Validate(JsonElement root, bool draft, bool inputChecked)
    {
        if (!inputChecked && JsonInputCheck.Check(JsonMarshal.GetRawUtf8Value(root)) is { Count: > 0 } unreadable)
        {
            return new WorkflowValidation(null, unreadable);
        }

        var problems = new List<ValidationProblem>();
        FindNulCharacters(root, "", problems);

        var result = DocumentSchema.Evaluate(root, SchemaOptions);
        if (!result.IsValid)
        {
            problems.AddRange(SchemaProblems(result));
        }

        if (problems.Count > 0)
        {
            return new WorkflowValidation(null, Distinct(problems));
        }

        WorkflowDocument document;
        try
        {
            document = root.Deserialize<WorkflowDocument>(WorkflowJson.Options)!;
        }
        catch (JsonException e)
        {
            // The schema's "integer" admits 1.0 and 1e0; the typed fields do not, and say where.
            return Fail(PointerOf(e.Path), "This value must be a whole number written without a decimal point or exponent, e.g. 3.");
        }

        CheckMeaning(document, draft, problems);
        return new WorkflowValidation(problems.Count == 0 ? document : null, Distinct(problems));
    }

    /// <summary>Checks an already-typed document, e.g. one built by the collaboration hub from operations.</summary>
    public WorkflowValidation Validate(WorkflowDocument document) =>
        // A document stored without a layout serializes it as null, which the schema (rightly) refuses in input.
        Validate(WorkflowJson.ToElement(document.Layout is null ? document with { Layout = new WorkflowLayout() } : document));

    private void CheckMeaning(WorkflowDocument document, bool draft, List<ValidationProblem> problems)
    {
        var spec = document.Spec;
        if (spec.Tasks.Count > MaxTasks)
        {
            problems.Add(new("/spec/tasks", $"A workflow may have at most {MaxTasks} tasks; this one has {spec.Tasks.Count:N0}."));
            return;
        }

        if (Schedules.Problem(spec.Schedule) is { } scheduleProblem)
        {
            problems.Add(new("/spec/schedule", scheduleProblem));
        }

        if (Schedules.TimeZoneProblem(spec.Timezone) is { } zoneProblem)
        {
            problems.Add(new("/spec/timezone", zoneProblem));
        }

        for (var i = 0; i < document.Metadata.Tags.Count; i++)
        {
            if (ReservedTagProblem(document.Metadata.Tags[i]) is { } tagProblem)
            {
                problems.Add(new($"/metadata/tags/{i}", tagProblem));
            }
        }

        foreach (var (name, param) in spec.Params)
        {
            if (param.Default is { } value && ParamDefaultProblem(param.Type, value) is { } paramProblem)
            {
                problems.Add(new($"/spec/params/{Escape(name)}/default", paramProblem));
            }
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var known = spec.Tasks.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < spec.Tasks.Count; i++)
        {
            CheckTask(spec.Tasks[i], $"/spec/tasks/{i}", ids, known, draft, problems);
        }

        if (WorkflowGraph.FindCycle(spec.Tasks) is { } cycle)
        {
            var at = spec.Tasks.ToList().FindIndex(t => t.Id == cycle[0]);
            problems.Add(new($"/spec/tasks/{at}/dependsOn", $"The dependencies form a cycle: {string.Join(" → ", cycle)}."));
        }

        foreach (var nodeId in document.Layout?.Nodes.Keys ?? [])
        {
            if (!known.Contains(nodeId))
            {
                problems.Add(new($"/layout/nodes/{Escape(nodeId)}", $"The layout places a task '{nodeId}' that the workflow does not have."));
            }
        }
    }

    private void CheckTask(WorkflowTask task, string at, HashSet<string> seen, HashSet<string> known, bool draft, List<ValidationProblem> problems)
    {
        if (!TaskIdPattern().IsMatch(task.Id))
        {
            problems.Add(new($"{at}/id", $"Task id '{Shorten(task.Id)}' is invalid: use lower-case ASCII letters, digits and underscores, starting with a letter, at most 64 characters."));
        }
        else if (!seen.Add(task.Id))
        {
            problems.Add(new($"{at}/id", $"Task id '{task.Id}' is used more than once; task ids must be unique."));
        }

        var deps = new HashSet<string>(StringComparer.Ordinal);
        for (var d = 0; d < task.DependsOn.Count; d++)
        {
            var dep = task.DependsOn[d];
            if (dep == task.Id)
            {
                problems.Add(new($"{at}/dependsOn/{d}", $"Task '{task.Id}' cannot depend on itself."));
            }
            else if (!known.Contains(dep))
            {
                problems.Add(new($"{at}/dependsOn/{d}", $"Task '{task.Id}' depends on '{Shorten(dep)}', which is not a task of this workflow."));
            }
            else if (!deps.Add(dep))
            {
                problems.Add(new($"{at}/dependsOn/{d}", $"Task '{task.Id}' lists '{dep}' more than once."));
            }
        }

        var type = catalog.Find(task.Type);
        if (type is null)
        {
            problems.Add(new($"{at}/type", $"Unknown task type '{Shorten(task.Type)}'. See GET /task-types for the available types."));
            return;
        }

        if (draft)
        {
            return;
        }

        if (InputArityProblem(type, task.DependsOn.Count) is { } arity)
        {
            problems.Add(new($"{at}/dependsOn", arity));
        }

        var config = type.CompiledSchema!.Evaluate(task.Config, SchemaOptions);
        if (!config.IsValid)
        {
            problems.AddRange(SchemaProblems(config).Select(p => p with { Pointer = $"{at}/config{p.Pointer}" }));
        }

        // What the task library would refuse at run time (paths, filter values, chart columns), at the field.
        problems.AddRange(StepRules.Check(task.Type, task.Config).Select(p => new ValidationProblem($"{at}/config/{string.Join('/', p.Field.Split('.').Select(Escape))}", p.Message)));
    }

    internal static string? ReservedTagProblem(string tag) =>
        tag.Trim().Equals(ProductTag, StringComparison.OrdinalIgnoreCase) || tag.TrimStart().StartsWith(OwnerTagPrefix, StringComparison.OrdinalIgnoreCase)
            ? $"The tag '{Shorten(tag)}' is reserved: WorkflowControl tags every DAG '{ProductTag}' and '{OwnerTagPrefix}<owner's name>' itself. Choose another tag."
            : null;

    /// <summary>A System.Text.Json path ($.spec.tasks[0].id, $.layout.nodes['a.b'].x) as a JSON pointer.</summary>
    internal static string PointerOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "";
        }

        var pointer = new System.Text.StringBuilder();
        var i = 1;
        while (i < path.Length)
        {
            string segment;
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segment = path[(i + 1)..end];
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segment = path[(i + 2)..end];
                i = Math.Min(end + 2, path.Length);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                end = end < 0 ? path.Length : end;
                segment = path[(i + 1)..end];
                i = Math.Min(end + 1, path.Length);
            }
            else
            {
                break;
            }

            pointer.Append('/').Append(Escape(segment));
        }

        return pointer.ToString();
    }

    /// <summary>Sources take no data inputs (dependencies only order them); other types need one upstream per port.</summary>
    internal static string? InputArityProblem(TaskType type, int upstreamCount)
    {
        if (type.Inputs.Count == 0)
        {
            return null;
        }

        var many = type.Inputs[^1].Many;
        var required = many ? type.Inputs.Count - 1 : type.Inputs.Count;
        var ports = string.Join(", ", type.Inputs.Select(p => p.Name));
        if (upstreamCount < Math.Max(required, 1))
        {
            return $"A '{type.Title}' task needs {(many ? "at least " : "")}{Math.Max(required, 1)} upstream task(s) ({ports}); it has {upstreamCount}.";
        }

        return !many && upstreamCount > type.Inputs.Count
            ? $"A '{type.Title}' task takes {type.Inputs.Count} upstream task(s) ({ports}); it has {upstreamCount}."
            : null;
    }

    public static string? ParamDefaultProblem(string type, JsonElement value)
    {
        var ok = value.ValueKind == JsonValueKind.Null || type switch
        {
            "string" => value.ValueKind == JsonValueKind.String,
            "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            "number" => value.ValueKind == JsonValueKind.Number,
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "date" => value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", out _),
            _ => false,
        };
        return ok ? null : $"The default does not match the parameter type '{type}'{(type == "date" ? " (use YYYY-MM-DD)" : "")}.";
    }

    private static IEnumerable<ValidationProblem> SchemaProblems(EvaluationResults result)
    {
        foreach (var detail in result.Details.Where(d => d.HasErrors))
        {
            var pointer = detail.InstanceLocation.ToString();
            foreach (var (keyword, message) in detail.Errors!)
            {
                yield return keyword switch
                {
                    "" or "false" => new(pointer, $"Unknown field '{LastSegment(pointer)}'."),
                    "required" => new(pointer, message.Replace("Required properties", "Missing required field(s)", StringComparison.Ordinal)),
                    _ => new(pointer, message),
                };
            }
        }
    }

    private static void FindNulCharacters(JsonElement element, string pointer, List<ValidationProblem> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when element.GetString()!.Contains('\0', StringComparison.Ordinal):
                problems.Add(new(pointer, "Text may not contain NUL characters (U+0000)."));
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var at = $"{pointer}/{Escape(property.Name)}";
                    if (property.Name.Contains('\0', StringComparison.Ordinal))
                    {
                        problems.Add(new(at, "Field names may not contain NUL characters (U+0000)."));
                    }

                    FindNulCharacters(property.Value, at, problems);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    FindNulCharacters(item, $"{pointer}/{i++}", problems);
                }

                break;
        }
    }

    private static WorkflowValidation Fail(string pointer, string message) => new(null, [new(pointer, message)]);

    private static List<ValidationProblem> Distinct(List<ValidationProblem> problems) => problems.Distinct().ToList();

    internal static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string LastSegment(string pointer) =>
        pointer[(pointer.LastIndexOf('/') + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    internal static string Shorten(string value) => value.Length <= 80 ? value : value[..77] + "...";

    internal static bool IsTaskId(string id) => TaskIdPattern().IsMatch(id);

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TaskIdPattern();
}
