using System.Text.Json.Nodes;

namespace WorkflowControl.Api.Tests;

/// <summary>Workflow documents for tests, built as JSON so tests can break them in any way they like.</summary>
public static class Documents
{
    public static JsonObject Simple(string name = "Sales ETL", string? key = null) => new()
    {
        ["apiVersion"] = "workflowcontrol.io/v1",
        ["kind"] = "Workflow",
        ["metadata"] = new JsonObject { ["name"] = name, ["key"] = key, ["description"] = "Loads sales.", ["tags"] = new JsonArray("sales") },
        ["spec"] = new JsonObject
        {
            ["schedule"] = "0 6 * * *",
            ["timezone"] = "Europe/Berlin",
            // Most tests follow Airflow tasks named after their steps; fused execution has tests of its own.
            ["execution"] = "per-step",
            ["tasks"] = new JsonArray(
                Task("extract", "test.source", new JsonObject { ["path"] = "sales.csv" }),
                Task("clean", "test.step", new JsonObject(), "extract")),
        },
        ["layout"] = new JsonObject { ["nodes"] = new JsonObject { ["extract"] = new JsonObject { ["x"] = 0, ["y"] = 0 } } },
    };

    public static JsonObject Task(string id, string type, JsonObject config, params string[] dependsOn) => new()
    {
        ["id"] = id,
        ["type"] = type,
        ["config"] = config,
        ["dependsOn"] = new JsonArray(dependsOn.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
    };

    public static JsonObject WithTasks(int count)
    {
        var document = Simple();
        var tasks = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            tasks.Add(i == 0 ? Task("t0", "test.source", new JsonObject { ["path"] = "a.csv" }) : Task($"t{i}", "test.step", new JsonObject(), $"t{i - 1}"));
        }

        document["spec"]!["tasks"] = tasks;
        document.Remove("layout");
        return document;
    }
}
