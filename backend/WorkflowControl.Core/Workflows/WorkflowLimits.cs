namespace WorkflowControl.Core.Workflows;

/// <summary>
/// The one set of limits a workflow document meets. Validation enforces them on every save (API, CLI, editor),
/// and they are chosen so that whatever is accepted also renders, compiles as Python and deploys: nothing is
/// refused later by the renderer, PostgreSQL, Python or Airflow for a size the save let through.
/// </summary>
public static class WorkflowLimits
{
    /// <summary>The UTF-8 size of a document.</summary>
    public const int MaxDocumentBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Nesting of objects and arrays, the document's root object counting as level 1 (a step's config is level 5).
    /// It stays well below <see cref="WorkflowJson.MaxDepth"/>, the depth of any JSON that carries a document
    /// (answers, versions, hub messages), so a stored document can always be read and sent back.
    /// </summary>
    public const int MaxDepth = 48;

    /// <summary>Steps in one workflow.</summary>
    public const int MaxTasks = 500;

    /// <summary>
    /// The largest magnitude of a number: what every part compares exactly, the schema validation (decimal) the
    /// tightest of them; Python, Airflow and PostgreSQL hold far more. About ±7.9e28, so integers have at most 29
    /// digits, far below CPython's 4,300-digit limit; tiny numbers are fine (they round towards zero).
    /// </summary>
    public const decimal MaxNumber = decimal.MaxValue;
}
