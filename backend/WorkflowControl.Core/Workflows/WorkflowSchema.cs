using System.Reflection;

namespace WorkflowControl.Core.Workflows;

/// <summary>The committed JSON Schema of the workflow document (served at GET /schemas/workflow.v1.json).</summary>
public static class WorkflowSchema
{
    public static string Text { get; } = Read();

    private static string Read()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("workflow.v1.schema.json")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
