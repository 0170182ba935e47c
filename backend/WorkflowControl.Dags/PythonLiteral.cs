using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace WorkflowControl.Dags;

/// <summary>
/// The one encoder of values into Python source: every user-supplied value that reaches a DAG file passes here.
/// Strings become plain double-quoted literals in which every character that could end the literal, the line or
/// the statement, or that reads differently than it parses (controls, line and paragraph separators, bidi and
/// other format characters, unassigned and private-use code points), is an escape. Everything else, astral
/// characters included, stays one raw code point, so names stay readable in the file.
/// </summary>
public static class PythonLiteral
{
    /// <summary>Containers whose one-line form would pass this column are spread over several lines.</summary>
    public const int LineWidth = 100;

    /// <summary>CPython (3.11+) refuses integer literals longer than 4,300 digits; stay clear of that limit.</summary>
    public const int MaxIntegerDigits = 4000;

    // Leaves room for the "key=" before and the "," after a value placed by the template.
    private const int Margin = 16;

    /// <summary>A one-line literal for <paramref name="value"/>; errors name <paramref name="pointer"/>.</summary>
    public static string Encode(object? value, string pointer = "") => Encode(value, pointer, indent: -1);

    /// <summary>
    /// A literal for <paramref name="value"/>; with <paramref name="indent"/> ≥ 0, dictionaries and lists too long
    /// for one line are spread over lines, continuation lines indented from that column in steps of four spaces.
    /// </summary>
    public static string Encode(object? value, string pointer, int indent)
    {
        var sb = new StringBuilder();
        try
        {
            Append(sb, value, indent);
        }
        catch (PythonLiteralException e)
        {
            throw e.At(pointer);
        }

        return sb.ToString();
    }

    /// <summary>A plain double-quoted Python string literal that evaluates to exactly <paramref name="value"/>.</summary>
    public static string String(string value, string pointer = "")
    {
        var sb = new StringBuilder(value.Length + 2);
        try
        {
            AppendString(sb, value);
        }
        catch (PythonLiteralException e)
        {
            throw e.At(pointer);
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, object? value, int indent)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case string s:
                AppendString(sb, s);
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case JsonElement element:
                AppendJson(sb, element, indent);
                break;
            case char c:
                AppendString(sb, c.ToString());
                break;
            case Guid g:
                AppendString(sb, g.ToString("D"));
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or Int128 or UInt128 or BigInteger:
                AppendInteger(sb, Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case double d:
                AppendFloat(sb, d);
                break;
            case float f:
                AppendFloat(sb, double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                break;
            case Half h:
                AppendFloat(sb, (double)h);
                break;
            case decimal m:
                AppendFloatText(sb, m.ToString(CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
                AppendContainer(sb, indent, '{', '}', DictionaryItems(dictionary));
                break;
            case IEnumerable list:
                AppendContainer(sb, indent, '[', ']', ListItems(list));
                break;
            default:
                throw new PythonLiteralException("", $"a value of type {value.GetType().Name} cannot be written as a Python literal");
        }
    }

    private static void AppendJson(StringBuilder sb, JsonElement element, int indent)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                sb.Append("None");
                break;
            case JsonValueKind.String:
                AppendString(sb, element.GetString()!);
                break;
            case JsonValueKind.True:
                sb.Append("True");
                break;
            case JsonValueKind.False:
                sb.Append("False");
                break;
            case JsonValueKind.Number:
                AppendJsonNumber(sb, element.GetRawText());
                break;
            case JsonValueKind.Object:
                AppendContainer(sb, indent, '{', '}', JsonProperties(element));
                break;
            case JsonValueKind.Array:
                AppendContainer(sb, indent, '[', ']', JsonItems(element));
                break;
        }
    }

    /// <summary>JSON number text is already a Python literal of the type json.loads would give; only its size is checked.</summary>
    private static void AppendJsonNumber(StringBuilder sb, string raw)
    {
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            AppendInteger(sb, raw);
            return;
        }

        if (!double.IsFinite(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture)))
        {
            throw new PythonLiteralException("", $"the number {Shorten(raw)} is too large for a floating-point value");
        }

        sb.Append(raw);
    }

    private static void AppendInteger(StringBuilder sb, string digits)
    {
        if (digits.Length > MaxIntegerDigits)
        {
            throw new PythonLiteralException("", $"an integer with {digits.Length:N0} digits is longer than the limit of {MaxIntegerDigits:N0}");
        }

        sb.Append(digits);
    }

    private static void AppendFloat(StringBuilder sb, double d)
    {
        if (!double.IsFinite(d))
        {
            throw new PythonLiteralException("", $"{d.ToString(CultureInfo.InvariantCulture)} cannot be written: only finite numbers are allowed");
        }

        // "R" is the shortest text that parses back to the same double, as Python's repr is.
        AppendFloatText(sb, d.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e'));
    }

    private static void AppendFloatText(StringBuilder sb, string text)
    {
        sb.Append(text);
        if (text.AsSpan().IndexOfAny('.', 'e') < 0)
        {
            sb.Append(".0"); // keep it a float in Python: "1" would be an int
        }
    }

    private static void AppendContainer(StringBuilder sb, int indent, char open, char close, IEnumerable<(string? Key, object? Value)> items)
    {
        var start = sb.Length;
        if (indent < 0)
        {
            AppendItems(sb, items, -1, int.MaxValue, open, close);
        }
        else if (!AppendItems(sb, items, -1, start + LineWidth - Margin - indent, open, close))
        {
            // Too long for one line: one item per line, each ending in a comma.
            sb.Length = start;
            AppendItems(sb, items, indent + 4, int.MaxValue, open, close);
        }
    }

    /// <summary>
    /// Writes the items on one line (<paramref name="itemIndent"/> &lt; 0) or one per line. Gives up and returns
    /// false as soon as the output passes <paramref name="limit"/>, so a long container is not written twice in full.
    /// </summary>
    private static bool AppendItems(StringBuilder sb, IEnumerable<(string? Key, object? Value)> items, int itemIndent, int limit, char open, char close)
    {
        sb.Append(open);
        var index = 0;
        foreach (var (key, value) in items)
        {
            if (itemIndent >= 0)
            {
                sb.Append('\n').Append(' ', itemIndent);
            }
            else if (index > 0)
            {
                sb.Append(", ");
            }

            try
            {
                if (key is not null)
                {
                    AppendString(sb, key);
                    sb.Append(": ");
                }

                Append(sb, value, itemIndent);
            }
            catch (PythonLiteralException e)
            {
                throw e.Under(key ?? index.ToString(CultureInfo.InvariantCulture));
            }

            if (itemIndent >= 0)
            {
                sb.Append(',');
            }
            else if (sb.Length > limit)
            {
                return false;
            }

            index++;
        }

        if (itemIndent >= 0 && index > 0)
        {
            sb.Append('\n').Append(' ', itemIndent - 4);
        }

        sb.Append(close);
        return sb.Length <= limit;
    }

    private static IEnumerable<(string? Key, object? Value)> DictionaryItems(IDictionary dictionary)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            yield return entry.Key is string key
                ? (key, entry.Value)
                : throw new PythonLiteralException("", $"dictionary keys must be text, not {entry.Key.GetType().Name}");
        }
    }

    private static IEnumerable<(string? Key, object? Value)> ListItems(IEnumerable list)
    {
        foreach (var item in list)
        {
            yield return (null, item);
        }
    }

    private static IEnumerable<(string? Key, object? Value)> JsonProperties(JsonElement element)
    {
        foreach (var property in element.EnumerateObject())
        {
            yield return (property.Name, property.Value);
        }
    }

    private static IEnumerable<(string? Key, object? Value)> JsonItems(JsonElement element)
    {
        foreach (var item in element.EnumerateArray())
        {
            yield return (null, item);
        }
    }

    private static void AppendString(StringBuilder sb, string value)
    {
        sb.EnsureCapacity(sb.Length + value.Length + 2);
        sb.Append('"');
        var span = value.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            // Copy the longest run of characters that need no thought in one go.
            var run = 0;
            while (i + run < span.Length && IsPlainAscii(span[i + run]))
            {
                run++;
            }

            if (run > 0)
            {
                sb.Append(span.Slice(i, run));
                i += run;
                continue;
            }

            var c = span[i];
            if (c < 0x80)
            {
                AppendAsciiEscape(sb, c);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(span[i..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                throw new PythonLiteralException("", $"text contains an unpaired UTF-16 surrogate (U+{(int)c:X4}), which is not a Unicode character");
            }

            if (NeedsEscape(rune))
            {
                AppendCodePointEscape(sb, rune.Value);
            }
            else
            {
                sb.Append(span.Slice(i, consumed));
            }

            i += consumed;
        }

        sb.Append('"');
    }

    private static bool IsPlainAscii(char c) => c is >= ' ' and <= '~' and not '"' and not '\\';

    private static void AppendAsciiEscape(StringBuilder sb, char c)
    {
        switch (c)
        {
            case '\0':
                throw new PythonLiteralException("", "text contains a NUL character (U+0000), which a DAG file cannot hold");
            case '"':
                sb.Append("\\\"");
                break;
            case '\\':
                sb.Append("\\\\");
                break;
            case '\n':
                sb.Append("\\n");
                break;
            case '\r':
                sb.Append("\\r");
                break;
            case '\t':
                sb.Append("\\t");
                break;
            default:
                AppendCodePointEscape(sb, c);
                break;
        }
    }

    private static bool NeedsEscape(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control => true,              // C1 controls, U+0085 NEXT LINE among them
        UnicodeCategory.Format => true,               // bidi embeddings, overrides and isolates, zero-width characters, BOM
        UnicodeCategory.LineSeparator => true,        // U+2028
        UnicodeCategory.ParagraphSeparator => true,   // U+2029
        UnicodeCategory.SpaceSeparator => true,       // no-break and other spaces that look like U+0020 but are not
        UnicodeCategory.PrivateUse => true,
        UnicodeCategory.OtherNotAssigned => true,
        _ => false,
    };

    private static void AppendCodePointEscape(StringBuilder sb, int codePoint)
    {
        if (codePoint <= 0xFF)
        {
            sb.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (codePoint <= 0xFFFF)
        {
            sb.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            // One escape for one code point: Python has no surrogate pairs in str.
            sb.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..37] + "...";
}
