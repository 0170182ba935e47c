using System.Text.Json;
using System.Text.Json.Serialization;
using Json.Schema;

namespace WorkflowControl.Core.Catalog;

/// <summary>One task type of the catalog, as defined once beside its Python implementation.</summary>
public sealed record TaskType
{
    public required string Id { get; init; }
    public required string Category { get; init; }
    public required string Title { get; init; }
    public required string Description { get; init; }
    public string Icon { get; init; } = "box";
    public IReadOnlyList<TaskPort> Inputs { get; init; } = [];
    public IReadOnlyList<TaskOutput> Outputs { get; init; } = [];
    public bool Preview { get; init; }
    public required JsonElement ConfigSchema { get; init; }

    [JsonIgnore]
    internal JsonSchema? CompiledSchema { get; init; }
}

public sealed record TaskPort(string Name, string Title, bool Many = false);

public sealed record TaskOutput(string Name, string Kind);
