using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowControl.Core.Workflows;

/// <summary>The versioned workflow document: the one interchange format of editor, API, CLI and CI.</summary>
public sealed record WorkflowDocument
{
    public const string CurrentApiVersion = "workflowcontrol.io/v1";
    public const string WorkflowKind = "Workflow";

    public string ApiVersion { get; init; } = CurrentApiVersion;
    public string Kind { get; init; } = WorkflowKind;
    public required WorkflowMetadata Metadata { get; init; }
    public required WorkflowSpec Spec { get; init; }
    public WorkflowLayout? Layout { get; init; }
}

public sealed record WorkflowMetadata
{
    public required string Name { get; init; }
    public string? Key { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
}

public sealed record WorkflowSpec
{
    /// <summary>null: manual runs only; otherwise a five-field cron expression or a preset like @daily.</summary>
    public string? Schedule { get; init; }
    public string Timezone { get; init; } = "UTC";
    public bool Catchup { get; init; }
    public int MaxActiveRuns { get; init; } = 1;

    /// <summary><see cref="ExecutionModes.PerStep"/> (absent: workflows made before fused execution) or <see cref="ExecutionModes.Fused"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Execution { get; init; }
    public IReadOnlyDictionary<string, WorkflowParam> Params { get; init; } = new Dictionary<string, WorkflowParam>();
    public TaskDefaults Defaults { get; init; } = new();
    public IReadOnlyList<WorkflowTask> Tasks { get; init; } = [];
}

public sealed record WorkflowParam
{
    public required string Type { get; init; }
    public JsonElement? Default { get; init; }
    public string? Description { get; init; }

    /// <summary>
    /// A param without a default may be omitted or null when a run is triggered: the DAG file declares it as a nullable
    /// Param (default None, type <c>[type, "null"]</c>), because Airflow refuses a required param on a scheduled DAG,
    /// and the API accepts a trigger without it. One rule for both.
    /// </summary>
    [JsonIgnore]
    public bool IsNullable => Default is not { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
}

public sealed record TaskDefaults
{
    public int Retries { get; init; }
    public int RetryDelaySeconds { get; init; } = 300;
}

public sealed record WorkflowTask
{
    public required string Id { get; init; }
    public required string Type { get; init; }

    /// <summary>The task type's configuration, validated against the catalog's JSON Schema for <see cref="Type"/>.</summary>
    public JsonElement Config { get; init; } = EmptyObject;
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>In fused execution, run this step as its own Airflow task (its own retry, its own log).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool OwnTask { get; init; }

    [JsonIgnore]
    internal static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}

public sealed record WorkflowLayout
{
    public IReadOnlyDictionary<string, NodePosition> Nodes { get; init; } = new Dictionary<string, NodePosition>();
}

public sealed record NodePosition(double X, double Y);

/// <summary>How a workflow's steps become Airflow tasks.</summary>
public static class ExecutionModes
{
    public const string PerStep = "per-step";
    public const string Fused = "fused";

    public static bool IsFused(WorkflowSpec spec) => string.Equals(spec?.Execution, Fused, StringComparison.Ordinal);

    /// <summary>
    /// A document that names no execution mode keeps the one it had (<paramref name="previous"/>): absent on a
    /// workflow made before fused execution means per step. A new workflow (<paramref name="isNew"/>) is fused.
    /// </summary>
    public static WorkflowDocument WithDefault(WorkflowDocument document, bool isNew, string? previous = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Spec.Execution is not null ? document
            : isNew ? document with { Spec = document.Spec with { Execution = Fused } }
            : previous is null ? document
            : document with { Spec = document.Spec with { Execution = previous } };
    }
}
