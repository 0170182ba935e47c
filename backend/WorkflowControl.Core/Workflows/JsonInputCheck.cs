using System.Text;
using System.Text.Json;

namespace WorkflowControl.Core.Workflows;

/// <summary>
/// Reads a document's raw JSON once, before anything interprets it, and reports what System.Text.Json parses but
/// no later step can use: text that is not valid UTF-8 or holds an unpaired surrogate escape, a field that appears
/// twice in one object, a number outside ±<see cref="WorkflowLimits.MaxNumber"/>, and nesting past <see cref="WorkflowLimits.MaxDepth"/>.
/// Every problem names its place with a JSON pointer.
/// </summary>
public static class JsonInputCheck
{
    private const int MaxReported = 50;

    private sealed class Level(string pointer, bool isArray)
    {
        public string Pointer { get; } = pointer;

        public bool IsArray { get; } = isArray;

        public int NextIndex { get; set; }

        public string? PendingName { get; set; }

        public HashSet<string>? Names { get; } = isArray ? null : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Every problem found, or an empty list; a syntax error is reported with the empty pointer.</summary>
    public static List<ValidationProblem> Check(ReadOnlySpan<byte> utf8Json)
    {
        var problems = new List<ValidationProblem>();
        var levels = new Stack<Level>();
        // The reader's own limit sits one past ours, so the first level too deep is reported here, with its place.
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = WorkflowLimits.MaxDepth + 1 });
        try
        {
            while (problems.Count < MaxReported && reader.Read())
            {
                if (!Visit(ref reader, levels, problems))
                {
                    break;
                }
            }
        }
        catch (JsonException e)
        {
            problems.Add(new("", $"The document is not valid JSON: {e.Message}"));
        }

        return problems;
    }

    /// <summary>False when reading must stop (too deep).</summary>
    private static bool Visit(ref Utf8JsonReader reader, Stack<Level> levels, List<ValidationProblem> problems)
    {
        if (reader.TokenType == JsonTokenType.PropertyName)
        {
            var level = levels.Peek();
            var (name, problem) = ReadText(ref reader);
            var at = $"{level.Pointer}/{WorkflowValidator.Escape(name)}";
            if (problem is not null)
            {
                problems.Add(new(at, $"This field's name {problem}"));
            }
            else if (!level.Names!.Add(name))
            {
                problems.Add(new(at, $"The field '{WorkflowValidator.Shorten(name)}' appears more than once in this object; each field may appear only once."));
            }

            level.PendingName = name;
            return true;
        }

        if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
        {
            levels.Pop();
            return true;
        }

        var pointer = PointerOfValue(levels);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                if (levels.Count + 1 > WorkflowLimits.MaxDepth)
                {
                    problems.Add(new(pointer, $"The document nests deeper than the limit of {WorkflowLimits.MaxDepth} levels here."));
                    return false;
                }

                levels.Push(new Level(pointer, reader.TokenType == JsonTokenType.StartArray));
                break;
            case JsonTokenType.String when ReadText(ref reader).Problem is { } problem:
                problems.Add(new(pointer, $"This text {problem}"));
                break;
            case JsonTokenType.Number when NumberProblem(ref reader) is { } problem:
                problems.Add(new(pointer, problem));
                break;
        }

        return true;
    }

    private static string PointerOfValue(Stack<Level> levels)
    {
        if (levels.Count == 0)
        {
            return "";
        }

        var parent = levels.Peek();
        if (parent.IsArray)
        {
            return $"{parent.Pointer}/{parent.NextIndex++}";
        }

        return $"{parent.Pointer}/{WorkflowValidator.Escape(parent.PendingName!)}";
    }

    /// <summary>The text of a string or field name, or why it has none: the reader leaves both checks to its caller.</summary>
    private static (string Text, string? Problem) ReadText(ref Utf8JsonReader reader)
    {
        try
        {
            return (reader.GetString()!, null);
        }
        catch (InvalidOperationException)
        {
            var raw = RawValue(ref reader);
            var readable = Encoding.UTF8.GetString(raw); // invalid bytes become U+FFFD, enough to name the place
            return System.Text.Unicode.Utf8.IsValid(raw)
                ? (readable, "holds an unpaired surrogate escape (\\uD800–\\uDFFF without its partner), which is not a Unicode character.")
                : (readable, "is not valid UTF-8 (stray, overlong or surrogate byte sequences); send the document as UTF-8 text.");
        }
    }

    private static string? NumberProblem(ref Utf8JsonReader reader)
    {
        // TryGetDecimal fails exactly beyond ±decimal.MaxValue: 1e29, 1e309 and 400-digit integers alike.
        if (reader.TryGetDecimal(out var value) && Math.Abs(value) <= WorkflowLimits.MaxNumber)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(RawValue(ref reader));
        return $"The number {WorkflowValidator.Shorten(text)} is out of range: numbers must lie within ±{WorkflowLimits.MaxNumber:N0} (about ±7.9e28).";
    }

    private static byte[] RawValue(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
}
