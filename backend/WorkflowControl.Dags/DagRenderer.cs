using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Dags;

/// <summary>One rendered DAG file: where it goes under the dags root, its text, and the workflow's content hash.</summary>
/// <param name="RelativePath">e.g. <c>users/user_0a2b…/wf_6f1c….py</c>, always with forward slashes.</param>
/// <param name="Content">The Python source.</param>
/// <param name="ContentHash">
/// <see cref="WorkflowJson.ContentHash"/> of the rendered document (also named in the file's header);
/// it identifies what the workflow does, whatever its layout.
/// </param>
public sealed record RenderedDag(string RelativePath, string Content, string ContentHash);

/// <summary>Whose workflow it is: the id names the folder, the display name is the DAG's owner in Airflow's UI.</summary>
public sealed record DagOwner(Guid Id, string DisplayName);

/// <summary>Why a workflow could not become a DAG file, located by a JSON pointer into the workflow document.</summary>
public sealed class DagRenderException(string pointer, string reason, Exception? inner = null)
    : Exception(string.IsNullOrEmpty(pointer) ? reason : $"{pointer}: {reason}", inner)
{
    public string Pointer { get; } = pointer;

    public string Reason { get; } = reason;
}

/// <summary>
/// Renders a workflow into one readable Airflow DAG file with the embedded <c>dag-templates/dag.py.sbn</c>.
/// A pure function: the same document, ids and version always give the same bytes.
/// </summary>
public sealed partial class DagRenderer
{
    /// <summary>Airflow refuses longer tags (TAG_MAX_LEN, 2.10 and 3.x).</summary>
    public const int MaxTagLength = 100;

    /// <summary>The one-line <c>description</c> shown in Airflow's DAG list is cut to this many characters.</summary>
    public const int MaxSummaryLength = 200;

    public const string ProductTag = "workflowcontrol";

    /// <summary>The release that renders (Major.Minor.Patch of this assembly), named in every file's header.</summary>
    public static string ProductVersion { get; } = typeof(DagRenderer).Assembly.GetName().Version is { } v
        ? $"{v.Major}.{v.Minor}.{v.Build}"
        : "unknown";

    private static readonly Lazy<Template> DagTemplate = new(() => Compile("dag.py.sbn"));

    /// <summary>Renders <paramref name="document"/> as version <paramref name="version"/> of the workflow.</summary>
    /// <exception cref="DagRenderException">The document cannot be expressed as a DAG file (e.g. text with NUL characters).</exception>
    public RenderedDag Render(WorkflowDocument document, Guid workflowId, DagOwner owner, int version)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(owner);
        var relativePath = DagPaths.RelativePath(owner.Id, workflowId);
        var contentHash = WorkflowJson.ContentHash(document);
        return new RenderedDag(relativePath, Render(DagTemplate.Value, document, workflowId, owner, version, contentHash), contentHash);
    }

    /// <summary>Renders any template text with the DAG model and rules; lets tests prove what a template cannot do.</summary>
    internal static string RenderText(string templateText, WorkflowDocument document) =>
        Render(Parse(templateText, "test"), document, Guid.NewGuid(), new DagOwner(Guid.NewGuid(), "Test Owner"), 1, WorkflowJson.ContentHash(document));

    private static string Render(Template template, WorkflowDocument document, Guid workflowId, DagOwner owner, int version, string contentHash)
    {
        var context = new LiteralOnlyContext { StrictVariables = true, EnableRelaxedMemberAccess = false, LoopLimit = 0, LimitToString = 0, OutputLimit = 0, NewLine = "\n" };
        string content;
        try
        {
            context.PushGlobal(BuildModel(document, workflowId, owner, version, contentHash));
            content = template.Render(context);
        }
        catch (Exception e) when (FindLiteralProblem(e) is { } problem)
        {
            throw new DagRenderException(problem.Pointer, problem.Reason, problem);
        }

        return content;
    }

    private static ScriptObject BuildModel(WorkflowDocument document, Guid workflowId, DagOwner dagOwner, int version, string contentHash)
    {
        var spec = document.Spec;
        CheckScheduleAndTimezone(spec);
        var tasks = OrderedTasks(spec.Tasks);
        var workflow = workflowId.ToString("D");
        var owner = dagOwner.Id.ToString("D");

        var model = new ScriptObject
        {
            ["workflow_id"] = workflow,
            ["version"] = version.ToString(CultureInfo.InvariantCulture),
            ["content_hash"] = contentHash,
            ["product_version"] = ProductVersion,
            ["workflow"] = new PyValue(workflow, ""),
            ["owner"] = new PyValue(owner, ""),
            ["owner_name"] = new PyValue(dagOwner.DisplayName, ""),
            ["dag_id"] = new PyValue(DagPaths.DagId(workflowId), ""),
            ["name"] = new PyValue(document.Metadata.Name, "/metadata/name"),
            ["summary"] = new PyValue(Summary(document.Metadata.Description), "/metadata/description"),
            ["doc_md"] = new PyValue(DocMarkdown(document.Metadata), "/metadata/description"),
            ["tags"] = new PyValue(Tags(document.Metadata.Tags, dagOwner.DisplayName), "/metadata/tags"),
            ["schedule"] = new PyValue(spec.Schedule, "/spec/schedule"),
            ["timezone"] = new PyValue(spec.Timezone, "/spec/timezone"),
            ["catchup"] = new PyValue(spec.Catchup, "/spec/catchup"),
            ["max_active_runs"] = new PyValue(spec.MaxActiveRuns, "/spec/maxActiveRuns"),
            ["retries"] = new PyValue(spec.Defaults.Retries, "/spec/defaults/retries"),
            ["retry_delay_seconds"] = new PyValue(spec.Defaults.RetryDelaySeconds, "/spec/defaults/retryDelaySeconds"),
            ["params"] = Params(spec.Params),
        };

        var taskModels = new ScriptArray(tasks.Count);
        var edges = new ScriptArray();
        var operators = new SortedSet<string>(StringComparer.Ordinal);
        var steps = tasks.ToDictionary(t => t.Task.Id, StringComparer.Ordinal);
        var groups = StepGrouping.Of(spec);
        var producer = groups.SelectMany(g => g.Steps.Select(step => (step, g.TaskId))).ToDictionary(p => p.step, p => p.TaskId, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            // A group names every input from outside; a single step only those whose task is not named after them.
            var external = group.Steps.SelectMany(step => steps[step].Task.DependsOn)
                .Where(input => !group.Steps.Contains(input) && (!group.IsSingleStep || producer[input] != input))
                .Distinct(StringComparer.Ordinal)
                .ToDictionary(input => input, input => producer[input], StringComparer.Ordinal);
            var taskModel = group.IsSingleStep ? StepModel(steps[group.Steps[0]]) : GroupModel(group, steps, producer);
            taskModel["external"] = external.Count == 0 ? null : new PyValue(external, "/spec/tasks");
            operators.Add(group.IsSingleStep ? StepOperators.ClassFor(steps[group.Steps[0]].Task.Type) : StepOperators.Fused);
            taskModels.Add(taskModel);
            foreach (var upstream in group.Upstream)
            {
                edges.Add(new ScriptObject { ["from"] = upstream, ["to"] = group.TaskId });
            }
        }

        if (spec.Params.Count > 0)
        {
            operators.Add("Param");
        }

        model["imports"] = new ScriptArray(operators);
        model["tasks"] = taskModels;
        model["edges"] = edges;
        return model;
    }

    private static ScriptObject StepModel((WorkflowTask Task, int Index) step)
    {
        var (task, index) = step;
        var at = $"/spec/tasks/{index}";
        return new ScriptObject
        {
            ["var"] = task.Id,
            ["operator"] = StepOperators.ClassFor(task.Type),
            ["fused"] = false,
            ["id"] = new PyValue(task.Id, at + "/id"),
            ["doc_md"] = new PyValue(StepDocs.Markdown(task), at + "/config"),
            ["type"] = new PyValue(task.Type, at + "/type"),
            ["inputs"] = new PyValue(task.DependsOn, at + "/dependsOn"),
            ["config"] = new PyValue(task.Config, at + "/config"),
        };
    }

    /// <summary>
    /// A fused group: its steps in run order as plain dictionaries. Each step's values are checked by the encoder
    /// first under the step's own pointer, so an error still names the field in the workflow document.
    /// </summary>
    private static ScriptObject GroupModel(StepGroup group, Dictionary<string, (WorkflowTask Task, int Index)> steps, Dictionary<string, string> producer)
    {
        var members = new List<Dictionary<string, object?>>(group.Steps.Count);
        foreach (var id in group.Steps)
        {
            var (task, index) = steps[id];
            _ = PythonLiteral.Encode(task.Type, $"/spec/tasks/{index}/type");
            _ = PythonLiteral.Encode(task.Config, $"/spec/tasks/{index}/config");
            members.Add(new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = task.Id,
                ["type"] = task.Type,
                ["inputs"] = task.DependsOn,
                ["config"] = task.Config,
                // Another Airflow task reads this result, so it is written to the shared data folder.
                ["keep"] = steps.Values.Any(s => s.Task.DependsOn.Contains(id) && producer[s.Task.Id] != group.TaskId),
            });
        }

        return new ScriptObject
        {
            ["var"] = group.TaskId,
            ["operator"] = StepOperators.Fused,
            ["fused"] = true,
            ["id"] = new PyValue(group.TaskId, "/spec/tasks"),
            ["display"] = new PyValue(StepDocs.GroupTitle(group.Steps), "/spec/tasks"),
            ["doc_md"] = new PyValue(StepDocs.GroupMarkdown(group.Steps.Select(s => steps[s].Task)), "/spec/tasks"),
            ["steps"] = new PyValue(members, "/spec/tasks"),
        };
    }

    private static void CheckScheduleAndTimezone(WorkflowSpec spec)
    {
        if (Schedules.Problem(spec.Schedule) is { } problem)
        {
            throw new DagRenderException("/spec/schedule", problem);
        }

        if (Schedules.FindTimeZone(spec.Timezone) is null)
        {
            throw new DagRenderException("/spec/timezone", "unknown time zone; use an IANA name such as 'UTC' or 'Europe/Berlin'");
        }
    }

    /// <summary>
    /// Tasks in dependency order with their index in the document. Task ids become Python names (<c>t_&lt;id&gt;</c>),
    /// so anything but a valid, unique, known id is refused here rather than trusted.
    /// </summary>
    private static List<(WorkflowTask Task, int Index)> OrderedTasks(IReadOnlyList<WorkflowTask> tasks)
    {
        var index = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            if (!TaskIdPattern().IsMatch(tasks[i].Id))
            {
                throw new DagRenderException($"/spec/tasks/{i}/id", "a task id must be lower-case ASCII letters, digits and underscores, start with a letter, and have at most 64 characters");
            }

            if (!index.TryAdd(tasks[i].Id, i))
            {
                throw new DagRenderException($"/spec/tasks/{i}/id", $"task id '{tasks[i].Id}' is used more than once");
            }
        }

        for (var i = 0; i < tasks.Count; i++)
        {
            var dependsOn = tasks[i].DependsOn;
            for (var d = 0; d < dependsOn.Count; d++)
            {
                if (!index.ContainsKey(dependsOn[d]) || dependsOn[d] == tasks[i].Id)
                {
                    throw new DagRenderException($"/spec/tasks/{i}/dependsOn/{d}", "the dependency is not another task of this workflow");
                }
            }

            if (dependsOn.Distinct(StringComparer.Ordinal).Count() != dependsOn.Count)
            {
                throw new DagRenderException($"/spec/tasks/{i}/dependsOn", "a task lists the same dependency more than once");
            }
        }

        try
        {
            return WorkflowGraph.TopologicalOrder(tasks).Select(t => (t, index[t.Id])).ToList();
        }
        catch (InvalidOperationException e)
        {
            throw new DagRenderException("/spec/tasks", "the dependencies form a cycle", e);
        }
    }

    /// <summary>The first line of the description, short enough for Airflow's DAG list; null without a description.</summary>
    internal static string? Summary(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return null;
        }

        // The line breaks Python's str.splitlines knows, so the summary is one line wherever it is shown.
        var end = description.AsSpan().IndexOfAny("\n\r\v\f\u001c\u001d\u001e\u0085\u2028\u2029");
        var line = (end < 0 ? description : description[..end]).Trim();
        if (line.Length == 0)
        {
            return null;
        }

        var runes = 0;
        for (var i = 0; i < line.Length; i += char.IsSurrogatePair(line, i) ? 2 : 1)
        {
            if (++runes > MaxSummaryLength)
            {
                return string.Concat(line.AsSpan(0, PreviousRuneStart(line, i, 1)), "…");
            }
        }

        return line;
    }

    private static int PreviousRuneStart(string text, int index, int count)
    {
        for (var k = 0; k < count; k++)
        {
            index -= index >= 2 && char.IsSurrogatePair(text, index - 2) ? 2 : 1;
        }

        return index;
    }

    /// <summary>
    /// Documentation for the Airflow UI. Airflow reads a doc_md ending in ".md" as a file path, so the text always
    /// ends with a newline; it is never rendered as a template (Airflow ≥ 2.9.3; older versions ran Jinja on it).
    /// </summary>
    internal static string DocMarkdown(WorkflowMetadata metadata) =>
        string.IsNullOrEmpty(metadata.Description)
            ? $"### {metadata.Name}\n"
            : $"### {metadata.Name}\n\n{metadata.Description}\n";

    private static List<string> Tags(IReadOnlyList<string> userTags, string ownerName)
    {
        var tags = new List<string> { ProductTag, OwnerTag(ownerName) };
        for (var i = 0; i < userTags.Count; i++)
        {
            var tag = userTags[i];
            if (tag.EnumerateRunes().Count() > MaxTagLength)
            {
                throw new DagRenderException($"/metadata/tags/{i}", $"a tag may have at most {MaxTagLength} characters (Airflow's limit)");
            }

            // Checked one by one so an error names the user's tag, not its place after the product tags.
            _ = PythonLiteral.String(tag, $"/metadata/tags/{i}");

            if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }

        return tags;
    }

    /// <summary>The tag naming the owner, cut to Airflow's tag length; the product's prefix makes it reserved.</summary>
    internal static string OwnerTag(string ownerName)
    {
        var tag = "owner:" + ownerName.Trim();
        var runes = tag.EnumerateRunes().Take(MaxTagLength).ToList();
        return string.Concat(runes.Select(r => r.ToString()));
    }

    private static ScriptArray Params(IReadOnlyDictionary<string, WorkflowParam> parameters)
    {
        var result = new ScriptArray(parameters.Count);
        foreach (var (name, param) in parameters)
        {
            var at = PythonLiteralException.Child("/spec/params", name);
            var (type, format) = param.Type switch
            {
                "string" or "integer" or "number" or "boolean" => (param.Type, null),
                "date" => ("string", "date"),
                _ => throw new DagRenderException(at + "/type", "the parameter type must be one of string, integer, number, boolean, date"),
            };

            object typeValue = param.IsNullable ? new[] { type, "null" } : type;
            result.Add(new ScriptObject
            {
                ["name"] = new PyValue(name, at),
                ["default"] = new PyValue(param.IsNullable ? null : param.Default, at + "/default"),
                ["type"] = new PyValue(typeValue, at + "/type"),
                ["format"] = format is null ? null : new PyValue(format, at + "/type"),
                ["description"] = param.Description is null ? null : new PyValue(param.Description, at + "/description"),
            });
        }

        return result;
    }

    private static PythonLiteralException? FindLiteralProblem(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is PythonLiteralException literal)
            {
                return literal;
            }
        }

        return null;
    }

    private static Template Compile(string name)
    {
        var assembly = typeof(DagRenderer).Assembly;
        using var stream = assembly.GetManifestResourceStream("templates/" + name)
            ?? throw new InvalidOperationException($"template {name} is not embedded in {assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), name);
    }

    private static Template Parse(string text, string name)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var template = Template.Parse(text, name, new ParserOptions(), new LexerOptions { Mode = ScriptMode.Default });
        if (template.HasErrors)
        {
            throw new InvalidOperationException($"template {name} does not compile: {string.Join("; ", template.Messages)}");
        }

        return template;
    }

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TaskIdPattern();

    /// <summary>A value from the workflow on its way into the file: opaque to the template except through <c>py</c>.</summary>
    internal sealed class PyValue(object? value, string pointer)
    {
        internal object? Value { get; } = value;

        internal string Pointer { get; } = pointer;
    }

    /// <summary>Template functions. <c>py value [indent]</c> is the only way a workflow value reaches the output.</summary>
    private static class TemplateFunctions
    {
        public static string Py(object? value, int indent = -1) => value is PyValue v
            ? PythonLiteral.Encode(v.Value, v.Pointer, indent)
            : PythonLiteral.Encode(value, "", indent);
    }

    /// <summary>Refuses to print a workflow value that did not pass through <c>py</c>.</summary>
    private sealed class LiteralOnlyContext : TemplateContext
    {
        private static readonly ScriptObject Functions = CreateFunctions();

        // The functions object replaces Scriban's built-ins: the template can call `py` and nothing else.
        public LiteralOnlyContext()
            : base(Functions)
        {
        }

        public override string? ObjectToString(object? value, bool nested = false) => value is PyValue
            ? throw new InvalidOperationException("the DAG template printed a workflow value without `py`; every value must pass through the Python-literal encoder")
            : base.ObjectToString(value, nested);

        private static ScriptObject CreateFunctions()
        {
            var functions = new ScriptObject();
            functions.Import("py", new Func<object?, int, string>(TemplateFunctions.Py));
            functions.SetReadOnly("py", readOnly: true);
            return functions;
        }
    }
}
