namespace WorkflowControl.Dags;

/// <summary>
/// The operator class a generated file uses for a step: one per catalog category (defined in the task library's
/// <c>workflowcontrol_tasks/operator.py</c>), so Airflow's graph shows each kind of step by name and colour.
/// </summary>
public static class StepOperators
{
    /// <summary>The base class, for a step type outside the known categories (the API refuses those; rendering does not).</summary>
    public const string Fallback = "WorkflowTaskOperator";

    /// <summary>The operator that runs a fused group of steps in one Airflow task.</summary>
    public const string Fused = "FusedSteps";

    public static IReadOnlyDictionary<string, string> ByCategory { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["extract"] = "ExtractStep",
        ["transform"] = "TransformStep",
        ["load"] = "LoadStep",
        ["analyze"] = "AnalyzeStep",
        ["utility"] = "UtilityStep",
    };

    /// <summary>The class for a step type such as <c>extract.csv</c>: its category is the part before the dot.</summary>
    public static string ClassFor(string stepType)
    {
        var dot = stepType.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && ByCategory.TryGetValue(stepType[..dot], out var name) ? name : Fallback;
    }
}
