using System.Text.Json.Nodes;

namespace WorkflowControl.Testing.Airflow;

/// <summary>The real Airflow 2.10.0 exchanges in contract/recorded-2.10.0 (see its README).</summary>
public static class Recorded
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "contract", "recorded-2.10.0");

    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Folder, "*.json").Select(Path.GetFileName).Order().Cast<string>();

    public static JsonObject Load(string file) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)))!;

    /// <summary>The recorded response body of <paramref name="file"/>, as JSON.</summary>
    public static JsonNode Body(string file) => Load(file)["response"]!["body"]!.DeepClone();

    public static Exchange ToExchange(JsonObject recorded)
    {
        var request = recorded["request"]!;
        var response = recorded["response"]!;
        var query = ((JsonObject)request["query"]!).ToDictionary(
            kv => kv.Key, kv => (IReadOnlyList<string>)[kv.Value is JsonValue v ? v.ToString() : kv.Value!.ToJsonString()]);
        var headers = ((JsonObject)request["headers"]!).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString());
        var responseBody = response["body"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var text) => text,
            null => "",
            var node => node.ToJsonString(),
        };
        return new Exchange(
            (string)request["method"]!,
            (string)request["path"]!,
            query,
            headers,
            request["body"]?.ToJsonString(),
            (int)response["status"]!,
            (string?)response["headers"]!["Content-Type"],
            responseBody);
    }
}
