using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Core.Workflows;

/// <summary>What applying an editor operation gave: the new document, or in words why it was refused.</summary>
public sealed record OperationOutcome(JsonObject? Document, string? Refusal)
{
    public bool Accepted => Document is not null;
}

/// <summary>
/// The web editor's document operations, applied to the stored JSON exactly as the browser applies them
/// (frontend/src/features/document/operations.ts), so every collaborator ends with the same document.
/// Both implementations run the cases in tests/fixtures/operations.json.
/// </summary>
/// <remarks>
/// The browser trusts its own operations; the server receives them from the network, so it first checks an
/// operation's shape and refuses a malformed one with a message instead of throwing.
/// </remarks>
public static class WorkflowOperations
{
    /// <summary>How deep batches may nest inside batches.</summary>
    public const int MaxBatchDepth = 8;

    /// <summary>How many operations one operation may carry, counting every step of every batch.</summary>
    public const int MaxOperations = 1000;

    /// <summary>Applies one operation. Never mutates <paramref name="document"/>; a refused batch changes nothing.</summary>
    public static OperationOutcome Apply(JsonObject document, JsonNode? operation)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (TryParse(operation, out var op) is { } malformed)
        {
            return new(null, malformed);
        }

        // One private copy for the whole operation: a refused step anywhere throws the copy away, which is
        // what makes batches all or nothing without copying the document for every step.
        var working = (JsonObject)document.DeepClone();
        return ApplyTo(working, op) is { } refusal ? new(null, refusal) : new(working, null);
    }

    /// <summary>
    /// Ids of the nodes whose configuration or id the operation changes or that it deletes (updateConfig, updateNode, deleteNode, also inside
    /// batches), in order of first mention; empty for a malformed operation, which <see cref="Apply"/> refuses anyway.
    /// </summary>
    public static IReadOnlyList<string> NodesAnEditLockProtects(JsonNode? operation)
    {
        if (TryParse(operation, out var op) is not null)
        {
            return [];
        }

        var ids = new List<string>();
        Collect(op);
        return ids;

        void Collect(Op step)
        {
            switch (step)
            {
                case UpdateConfigOp u:
                    Add(u.Id);
                    break;
                case UpdateNodeOp u when u.SetsConfig || u.OwnTask is not null || (u.NewId is not null && u.NewId != u.Id):
                    Add(u.Id);
                    break;
                case DeleteNodeOp d:
                    // Deleting a node someone is configuring would throw their work away under them.
                    Add(d.Id);
                    break;
                case BatchOp b:
                    foreach (var inner in b.Steps)
                    {
                        Collect(inner);
                    }

                    break;
            }
        }

        void Add(string id)
        {
            if (!ids.Contains(id, StringComparer.Ordinal))
            {
                ids.Add(id);
            }
        }
    }

    // ---- Applying: a line-by-line port of applyOperation; each returns the refusal or null. ----

    private static string? ApplyTo(JsonObject doc, Op op) => op switch
    {
        AddNodeOp o => AddNode(doc, o),
        DeleteNodeOp o => DeleteNode(doc, o.Id),
        MoveNodeOp o => MoveNode(doc, o),
        UpdateNodeOp o => UpdateNode(doc, o),
        UpdateConfigOp o => UpdateConfig(doc, o),
        AddEdgeOp o => AddEdge(doc, o),
        DeleteEdgeOp o => DeleteEdge(doc, o),
        UpdateSettingsOp o => UpdateSettings(doc, o),
        BatchOp o => o.Steps.Select(step => ApplyTo(doc, step)).FirstOrDefault(refusal => refusal is not null),
        _ => throw new InvalidOperationException($"no handler for {op.GetType().Name}"),
    };

    private static string? AddNode(JsonObject doc, AddNodeOp op)
    {
        var tasks = Tasks(doc);
        if (!WorkflowValidator.IsTaskId(op.Id))
        {
            return NotATaskId(op.Id);
        }

        if (Find(tasks, op.Id) is not null)
        {
            return AlreadyExists(op.Id);
        }

        if (op.DependsOn.FirstOrDefault(up => Find(tasks, up) is null) is { } gone)
        {
            return NoLongerExists(gone);
        }

        tasks.Insert(InsertionIndex(op.Index, tasks.Count), op.Task.DeepClone());
        LayoutNodes(doc)[op.Id] = op.Position.DeepClone();
        return null;
    }

    private static string? DeleteNode(JsonObject doc, string id)
    {
        var tasks = Tasks(doc);
        if (Find(tasks, id) is null)
        {
            return NoLongerExists(id);
        }

        RemoveWhere(tasks, t => t is JsonObject task && IdOf(task) == id);
        foreach (var task in tasks.OfType<JsonObject>())
        {
            if (task["dependsOn"] is JsonArray deps)
            {
                RemoveWhere(deps, d => StringOf(d) == id);
            }
        }

        LayoutNodes(doc).Remove(id);
        return null;
    }

    private static string? MoveNode(JsonObject doc, MoveNodeOp op)
    {
        if (Find(Tasks(doc), op.Id) is null)
        {
            return NoLongerExists(op.Id);
        }

        LayoutNodes(doc)[op.Id] = op.Position.DeepClone();
        return null;
    }

    private static string? UpdateNode(JsonObject doc, UpdateNodeOp op)
    {
        var tasks = Tasks(doc);
        if (Find(tasks, op.Id) is null)
        {
            return NoLongerExists(op.Id);
        }

        if (op.SetsConfig)
        {
            foreach (var task in TasksWithId(tasks, op.Id))
            {
                task["config"] = op.Config?.DeepClone() ?? new JsonObject();
            }
        }

        if (op.OwnTask is { } ownTask)
        {
            foreach (var task in TasksWithId(tasks, op.Id))
            {
                // Only the mark is stored: false leaves the task as one made without it.
                SetOrRemove(task, "ownTask", ownTask ? JsonValue.Create(true) : null);
            }
        }

        if (op.NewId is { } newId && newId != op.Id)
        {
            if (!WorkflowValidator.IsTaskId(newId))
            {
                return NotATaskId(newId);
            }

            if (Find(tasks, newId) is not null)
            {
                return AlreadyExists(newId);
            }

            foreach (var task in tasks.OfType<JsonObject>())
            {
                if (IdOf(task) == op.Id)
                {
                    task["id"] = newId;
                }

                if (task["dependsOn"] is JsonArray deps)
                {
                    for (var i = 0; i < deps.Count; i++)
                    {
                        if (StringOf(deps[i]) == op.Id)
                        {
                            deps[i] = newId;
                        }
                    }
                }
            }

            // Rebuilt in order like the browser does; should a stale entry already use the new id, the later one wins there too.
            var renamed = new JsonObject();
            foreach (var (key, position) in LayoutNodes(doc))
            {
                renamed[key == op.Id ? newId : key] = position?.DeepClone();
            }

            Layout(doc)["nodes"] = renamed;
        }

        return null;
    }

    private static string? UpdateConfig(JsonObject doc, UpdateConfigOp op)
    {
        var tasks = Tasks(doc);
        if (Find(tasks, op.Id) is null)
        {
            return NoLongerExists(op.Id);
        }

        if (op.Path.Count == 0)
        {
            return "A config change needs a field name.";
        }

        if (op.Path.Contains(ForbiddenKey, StringComparer.Ordinal))
        {
            return ForbiddenKeyRefusal;
        }

        foreach (var task in TasksWithId(tasks, op.Id))
        {
            // Like setIn: every object on the way is kept, anything else on the way (null, a list, a value) becomes {}.
            var parent = ObjectAt(task, "config");
            foreach (var key in op.Path.SkipLast(1))
            {
                parent = ObjectAt(parent, key);
            }

            if (op.Removes)
            {
                parent.Remove(op.Path[^1]);
            }
            else
            {
                parent[op.Path[^1]] = op.Value?.DeepClone();
            }
        }

        return null;
    }

    private static string? AddEdge(JsonObject doc, AddEdgeOp op)
    {
        var tasks = Tasks(doc);
        var target = Find(tasks, op.Target);
        if (Find(tasks, op.Source) is null)
        {
            return NoLongerExists(op.Source);
        }

        if (target is null)
        {
            return NoLongerExists(op.Target);
        }

        var deps = ArrayAt(target, "dependsOn");
        if (deps.Any(d => StringOf(d) == op.Source))
        {
            return $"\"{op.Target}\" already depends on \"{op.Source}\".";
        }

        if (WouldCreateCycle(tasks, op.Source, op.Target))
        {
            return $"Connecting \"{op.Source}\" to \"{op.Target}\" would create a cycle.";
        }

        deps.Insert(InsertionIndex(op.Index, deps.Count), op.Source);
        return null;
    }

    private static string? DeleteEdge(JsonObject doc, DeleteEdgeOp op)
    {
        var target = Find(Tasks(doc), op.Target);
        if (target?["dependsOn"] is not JsonArray deps || !deps.Any(d => StringOf(d) == op.Source))
        {
            return $"\"{op.Target}\" does not depend on \"{op.Source}\".";
        }

        RemoveWhere(deps, d => StringOf(d) == op.Source);
        return null;
    }

    private static string? UpdateSettings(JsonObject doc, UpdateSettingsOp op)
    {
        foreach (var (name, value) in op.Changes)
        {
            var (parent, field) = SettingLocation(doc, name);
            if (name == "execution")
            {
                SetOrRemove(parent, field, value?.DeepClone()); // null: the mode a workflow made before fused execution has (none)
            }
            else
            {
                parent[field] = value?.DeepClone();
            }
        }

        // The browser rewrites every setting from readSettings, which reads a missing description as ""
        // and missing tags as []; the other settings are written back as they were.
        var metadata = ObjectAt(doc, "metadata");
        if (metadata["description"] is null)
        {
            metadata["description"] = "";
        }

        if (metadata["tags"] is null)
        {
            metadata["tags"] = new JsonArray();
        }

        ObjectAt(ObjectAt(doc, "spec"), "defaults");
        return null;
    }

    private static void SetOrRemove(JsonObject parent, string field, JsonNode? value)
    {
        if (value is null)
        {
            parent.Remove(field);
        }
        else
        {
            parent[field] = value;
        }
    }

    private static (JsonObject Parent, string Field) SettingLocation(JsonObject doc, string setting) => setting switch
    {
        "name" or "description" or "tags" => (ObjectAt(doc, "metadata"), setting),
        "retries" or "retryDelaySeconds" => (ObjectAt(ObjectAt(doc, "spec"), "defaults"), setting),
        _ => (ObjectAt(doc, "spec"), setting),
    };

    /// <summary>True when the edge source -> target would close a cycle (the document's other edges are acyclic).</summary>
    private static bool WouldCreateCycle(JsonArray tasks, string source, string target)
    {
        var dependsOn = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var task in tasks.OfType<JsonObject>())
        {
            if (IdOf(task) is { } id)
            {
                dependsOn[id] = [.. ((task["dependsOn"] as JsonArray) ?? []).Select(StringOf).OfType<string>()];
            }
        }

        dependsOn[target] = [.. dependsOn.GetValueOrDefault(target, []), source];
        return WorkflowGraph.FindCycle(dependsOn) is not null;
    }

    private static int InsertionIndex(double? requested, int count) =>
        requested is { } index ? (int)Math.Truncate(Math.Clamp(index, 0, count)) : count; // as Array.slice/splice read it

    private static string NotATaskId(string id) => $"\"{id}\" is not a valid task id (lower-case letters, digits and _; starts with a letter).";

    private static string AlreadyExists(string id) => $"A task called \"{id}\" already exists.";

    private static string NoLongerExists(string id) => $"Task \"{id}\" no longer exists.";

    // In the browser, assigning "__proto__" replaces an object's prototype instead of adding a field, so the
    // browser and the server would disagree about the document; both refuse it.
    private const string ForbiddenKey = "__proto__";
    private const string ForbiddenKeyRefusal = "\"__proto__\" cannot be a config field name.";

    // ---- Reading the working document; containers an operation writes to are created like the browser's spreads do. ----

    private static JsonArray Tasks(JsonObject doc) => ArrayAt(ObjectAt(doc, "spec"), "tasks");

    private static JsonObject Layout(JsonObject doc) => ObjectAt(doc, "layout");

    private static JsonObject LayoutNodes(JsonObject doc) => ObjectAt(Layout(doc), "nodes");

    private static JsonObject? Find(JsonArray tasks, string id) => TasksWithId(tasks, id).FirstOrDefault();

    private static IEnumerable<JsonObject> TasksWithId(JsonArray tasks, string id) => tasks.OfType<JsonObject>().Where(t => IdOf(t) == id);

    private static string? IdOf(JsonObject task) => StringOf(task["id"]);

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.TryGetValue<string>(out var s) ? s : null;

    private static JsonObject ObjectAt(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    private static JsonArray ArrayAt(JsonObject parent, string key)
    {
        if (parent[key] is JsonArray existing)
        {
            return existing;
        }

        var created = new JsonArray();
        parent[key] = created;
        return created;
    }

    private static void RemoveWhere(JsonArray array, Func<JsonNode?, bool> predicate)
    {
        for (var i = array.Count - 1; i >= 0; i--)
        {
            if (predicate(array[i]))
            {
                array.RemoveAt(i);
            }
        }
    }

    // ---- Parsing: the shape of an operation, checked before anything is applied. ----

    private abstract record Op;

    private sealed record AddNodeOp(JsonObject Task, string Id, IReadOnlyList<string> DependsOn, JsonObject Position, double? Index) : Op;

    private sealed record DeleteNodeOp(string Id) : Op;

    private sealed record MoveNodeOp(string Id, JsonObject Position) : Op;

    /// <summary>SetsConfig: config was given (null means {} as in the browser). OwnTask: null when not given.</summary>
    private sealed record UpdateNodeOp(string Id, string? NewId, bool SetsConfig, JsonObject? Config, bool? OwnTask) : Op;

    /// <summary>Removes: the operation has no "value" (undefined in the browser); a JSON null value sets null.</summary>
    private sealed record UpdateConfigOp(string Id, IReadOnlyList<string> Path, bool Removes, JsonNode? Value) : Op;

    private sealed record AddEdgeOp(string Source, string Target, double? Index) : Op;

    private sealed record DeleteEdgeOp(string Source, string Target) : Op;

    private sealed record UpdateSettingsOp(IReadOnlyList<KeyValuePair<string, JsonNode?>> Changes) : Op;

    private sealed record BatchOp(IReadOnlyList<Op> Steps) : Op;

    /// <summary>Raised only while parsing and caught in <see cref="TryParse"/>: the reason a shape is wrong.</summary>
    private sealed class MalformedOperationException(string message) : Exception(message);

    private static string? TryParse(JsonNode? node, out Op op)
    {
        var count = 0;
        if (HasRepeatedPropertyNames(node))
        {
            op = new BatchOp([]);
            return "An operation must be valid JSON without repeated property names.";
        }

        try
        {
            op = Parse(node, batchDepth: 0, ref count);
            return null;
        }
        catch (MalformedOperationException e)
        {
            op = new BatchOp([]);
            return e.Message;
        }
    }

    /// <remarks>
    /// A JsonObject parsed from text reads its properties lazily and throws at first access when a name repeats.
    /// Reading every object once here turns that into a refusal, instead of an exception later or a stored document
    /// that cannot be read back.
    /// </remarks>
    private static bool HasRepeatedPropertyNames(JsonNode? node)
    {
        var pending = new Stack<JsonNode?>([node]);
        try
        {
            while (pending.TryPop(out var current))
            {
                var children = current switch
                {
                    JsonObject obj => obj.Select(p => p.Value),
                    JsonArray array => array,
                    _ => [],
                };
                foreach (var child in children)
                {
                    pending.Push(child);
                }
            }

            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static Op Parse(JsonNode? node, int batchDepth, ref int count)
    {
        if (++count > MaxOperations)
        {
            throw Malformed($"A batch may hold at most {MaxOperations} operations.");
        }

        if (node is not JsonObject op)
        {
            throw Malformed("An operation must be a JSON object with a \"kind\".");
        }

        var kind = StringOf(op["kind"]) ?? throw Malformed("An operation needs a \"kind\" saying what it does.");
        switch (kind)
        {
            case "addNode":
                var task = op["task"] as JsonObject ?? throw Malformed("\"addNode\" needs a task {id, type, config, dependsOn}.");
                var id = StringOf(task["id"]) ?? throw Malformed("\"addNode\" needs the task's \"id\" as a string.");
                _ = StringOf(task["type"]) ?? throw Malformed("\"addNode\" needs the task's \"type\" as a string.");
                _ = task["config"] as JsonObject ?? throw Malformed("\"addNode\" needs the task's \"config\" as an object.");
                var dependsOn = Strings(task["dependsOn"]) ?? throw Malformed("\"addNode\" needs the task's \"dependsOn\" as a list of task ids.");
                return new AddNodeOp(task, id, dependsOn, Position(op, kind), OptionalNumber(op, kind, "index"));
            case "deleteNode":
                return new DeleteNodeOp(RequiredString(op, kind, "id"));
            case "moveNode":
                return new MoveNodeOp(RequiredString(op, kind, "id"), Position(op, kind));
            case "updateNode":
                var newId = op.ContainsKey("newId") ? StringOf(op["newId"]) ?? throw Malformed("\"updateNode\" needs \"newId\" as a string when it gives one.") : null;
                var setsConfig = op.TryGetPropertyValue("config", out var config);
                if (config is not null and not JsonObject)
                {
                    throw Malformed("\"updateNode\" needs \"config\" as an object when it gives one.");
                }

                bool? ownTask = !op.ContainsKey("ownTask") ? null
                    : op["ownTask"]?.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? op["ownTask"]!.GetValue<bool>()
                    : throw Malformed("\"updateNode\" needs \"ownTask\" as true or false when it gives one.");
                return new UpdateNodeOp(RequiredString(op, kind, "id"), newId, setsConfig, config as JsonObject, ownTask);
            case "updateConfig":
                var path = Strings(op["path"]) ?? throw Malformed("\"updateConfig\" needs \"path\" as a list of field names.");
                var sets = op.TryGetPropertyValue("value", out var value);
                return new UpdateConfigOp(RequiredString(op, kind, "id"), path, !sets, value);
            case "addEdge":
                return new AddEdgeOp(RequiredString(op, kind, "source"), RequiredString(op, kind, "target"), OptionalNumber(op, kind, "index"));
            case "deleteEdge":
                return new DeleteEdgeOp(RequiredString(op, kind, "source"), RequiredString(op, kind, "target"));
            case "updateSettings":
                var changes = op["changes"] as JsonObject ?? throw Malformed("\"updateSettings\" needs \"changes\" as an object.");
                foreach (var (name, setting) in changes)
                {
                    CheckSetting(name, setting);
                }

                return new UpdateSettingsOp([.. changes]);
            case "batch":
                if (batchDepth >= MaxBatchDepth)
                {
                    throw Malformed($"Batches may be nested at most {MaxBatchDepth} deep.");
                }

                var ops = op["ops"] as JsonArray ?? throw Malformed("\"batch\" needs \"ops\" as a list of operations.");
                var steps = new List<Op>(ops.Count);
                foreach (var step in ops)
                {
                    steps.Add(Parse(step, batchDepth + 1, ref count));
                }

                return new BatchOp(steps);
            default:
                throw Malformed($"Unknown operation kind \"{WorkflowValidator.Shorten(kind)}\".");
        }
    }

    private static void CheckSetting(string name, JsonNode? value)
    {
        var kind = value?.GetValueKind();
        var (fits, expected) = name switch
        {
            "name" or "description" or "timezone" => (kind == JsonValueKind.String, "a string"),
            "schedule" => (kind is JsonValueKind.String or null, "a string or null"),
            "tags" => (Strings(value) is not null, "a list of strings"),
            "catchup" => (kind is JsonValueKind.True or JsonValueKind.False, "true or false"),
            "execution" => (value is null || (kind == JsonValueKind.String && value.GetValue<string>() is ExecutionModes.Fused or ExecutionModes.PerStep), $"\"{ExecutionModes.Fused}\", \"{ExecutionModes.PerStep}\" or null"),
            "maxActiveRuns" or "retries" or "retryDelaySeconds" => (kind == JsonValueKind.Number, "a number"),
            "params" => (kind == JsonValueKind.Object, "an object"),
            _ => throw Malformed($"Unknown setting \"{WorkflowValidator.Shorten(name)}\"."),
        };
        if (!fits)
        {
            throw Malformed($"Setting \"{name}\" must be {expected}.");
        }
    }

    private static string RequiredString(JsonObject op, string kind, string field) =>
        StringOf(op[field]) ?? throw Malformed($"\"{kind}\" needs \"{field}\" as a string.");

    private static double? OptionalNumber(JsonObject op, string kind, string field) =>
        !op.ContainsKey(field) ? null
        : NumberOf(op[field]) ?? throw Malformed($"\"{kind}\" needs \"{field}\" as a number when it gives one.");

    private static JsonObject Position(JsonObject op, string kind) =>
        op["position"] is JsonObject position && NumberOf(position["x"]) is not null && NumberOf(position["y"]) is not null
            ? position
            : throw Malformed($"\"{kind}\" needs a numeric position {{x, y}}.");

    private static double? NumberOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : null;

    private static List<string>? Strings(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }

        var strings = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (StringOf(item) is not { } s)
            {
                return null;
            }

            strings.Add(s);
        }

        return strings;
    }

    private static MalformedOperationException Malformed(string message) => new(message);
}
