using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkflowControl.Core.Workflows;

/// <summary>Serialization of the workflow document, shared by the API, the CLI and the DAG renderer.</summary>
public static class WorkflowJson
{
    /// <summary>
    /// The nesting any JSON that carries a document may reach (answers, stored versions, hub messages): a document
    /// itself is limited to <see cref="WorkflowLimits.MaxDepth"/>, which leaves room for what wraps it.
    /// </summary>
    public const int MaxDepth = 64;

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize(WorkflowDocument document) => JsonSerializer.Serialize(document, Options);

    public static JsonElement ToElement(WorkflowDocument document) => JsonSerializer.SerializeToElement(document, Options);

    /// <summary>
    /// A hash of what the workflow does: layout is left out, so moving a node is not a semantic change.
    /// </summary>
    public static string ContentHash(WorkflowDocument document)
    {
        var semantic = document with { Layout = null };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(semantic, Options);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            MaxDepth = MaxDepth,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            WriteIndented = false,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
