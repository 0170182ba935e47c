using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WorkflowControl.Airflow.Http;

/// <summary>Turns both generations' JSON log answers into plain text.</summary>
internal static class AirflowLogText
{
    /// <summary>
    /// 2.x JSON content is the Python repr of [(host, text), ...] (recorded 24/35); the quote style changes with the
    /// text. Returns the texts joined, or the raw string when it is not such a repr.
    /// </summary>
    public static string FromV1(string content)
    {
        var parser = new PythonReprParser(content);
        return parser.TryParseHostTextPairs(out var texts) ? string.Concat(texts) : content;
    }

    /// <summary>2.x continuation tokens are itsdangerous payloads {"end_of_log": bool, "log_pos": int}; the payload is readable, only the signature is secret.</summary>
    public static bool V1EndOfLog(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        var payload = token.Split('.')[0];
        try
        {
            var padded = payload.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            using var doc = JsonDocument.Parse(Convert.FromBase64String(padded));
            return doc.RootElement.TryGetProperty("end_of_log", out var end) && end.ValueKind == JsonValueKind.True;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }

    /// <summary>3.x content: structured messages {timestamp, event, level, ...} or plain strings, one per line.</summary>
    public static string FromV2(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString() ?? "";
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var item in content.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                text.Append(item.GetString()).Append('\n');
                continue;
            }

            if (item.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (Str(item, "timestamp") is { } timestamp)
            {
                text.Append('[').Append(timestamp).Append("] ");
            }

            if (Str(item, "level") is { } level)
            {
                text.Append(level.ToUpperInvariant()).Append(" - ");
            }

            text.Append(Str(item, "event") ?? "").Append('\n');
        }

        return text.ToString();
    }

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Just enough of Python's literal syntax for a list of string tuples.</summary>
    private ref struct PythonReprParser(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public bool TryParseHostTextPairs(out List<string> texts)
        {
            texts = [];
            try
            {
                Expect('[');
                SkipSpace();
                while (Peek() != ']')
                {
                    Expect('(');
                    _ = ReadString();
                    Expect(',');
                    texts.Add(ReadString());
                    SkipSpace();
                    if (Peek() == ',')
                    {
                        _pos++;
                    }

                    Expect(')');
                    SkipSpace();
                    if (Peek() == ',')
                    {
                        _pos++;
                        SkipSpace();
                    }
                }

                Expect(']');
                SkipSpace();
                return _pos == _text.Length;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private readonly char Peek() => _pos < _text.Length ? _text[_pos] : throw new FormatException("end of text");

        private void SkipSpace()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
            {
                _pos++;
            }
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (Peek() != c)
            {
                throw new FormatException("expected " + c);
            }

            _pos++;
        }

        private string ReadString()
        {
            SkipSpace();
            var quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw new FormatException("expected a string");
            }

            _pos++;
            var value = new StringBuilder();
            while (true)
            {
                var c = Peek();
                _pos++;
                if (c == quote)
                {
                    return value.ToString();
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                var e = Peek();
                _pos++;
                switch (e)
                {
                    case 'n': value.Append('\n'); break;
                    case 't': value.Append('\t'); break;
                    case 'r': value.Append('\r'); break;
                    case '0': value.Append('\0'); break;
                    case 'x': value.Append(Hex(2)); break;
                    case 'u': value.Append(Hex(4)); break;
                    case 'U': value.Append(char.ConvertFromUtf32(int.Parse(Take(8), NumberStyles.HexNumber, CultureInfo.InvariantCulture))); break;
                    default: value.Append(e); break; // \\ \' \"
                }
            }
        }

        private char Hex(int digits) => (char)int.Parse(Take(digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

        private string Take(int count)
        {
            if (_pos + count > _text.Length)
            {
                throw new FormatException("short escape");
            }

            var s = _text.Substring(_pos, count);
            _pos += count;
            return s;
        }
    }
}
