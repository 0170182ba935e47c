using System.Reflection;
using System.Text.Json;
using Json.Schema;

namespace WorkflowControl.Core.Catalog;

/// <summary>
/// The catalog files of the Python task library (airflow/src/workflowcontrol_tasks/catalog/*.json),
/// embedded at build time so the API validates against exactly what the library implements.
/// </summary>
public sealed class EmbeddedTaskCatalog : ITaskCatalog
{
    private static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, TaskType> _byId;

    public EmbeddedTaskCatalog()
        : this(ReadEmbedded())
    {
    }

    public EmbeddedTaskCatalog(IEnumerable<string> definitionsJson)
    {
        var types = definitionsJson.Select(Parse).OrderBy(t => t.Category, StringComparer.Ordinal).ThenBy(t => t.Id, StringComparer.Ordinal).ToList();
        All = types;
        _byId = types.ToDictionary(t => t.Id, StringComparer.Ordinal);
    }

    public static EmbeddedTaskCatalog Instance { get; } = new();

    public IReadOnlyList<TaskType> All { get; }

    public TaskType? Find(string id) => _byId.GetValueOrDefault(id);

    private static TaskType Parse(string json)
    {
        var type = JsonSerializer.Deserialize<TaskType>(json, ReadOptions)
            ?? throw new InvalidDataException("empty task type definition");
        return type with { CompiledSchema = JsonSchema.FromText(type.ConfigSchema.GetRawText()) };
    }

    private static IEnumerable<string> ReadEmbedded()
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("catalog/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return reader.ReadToEnd();
        }
    }
}
