using System.Text;

namespace WorkflowControl.Dags;

/// <summary>A value that cannot be written into a DAG file as a Python literal, located by a JSON pointer.</summary>
public sealed class PythonLiteralException : Exception
{
    public PythonLiteralException(string pointer, string reason)
        : base(string.IsNullOrEmpty(pointer) ? reason : $"{pointer}: {reason}")
    {
        Pointer = pointer;
        Reason = reason;
    }

    /// <summary>Where the value sits (RFC 6901), e.g. <c>/spec/tasks/2/config/query</c>; empty for the root.</summary>
    public string Pointer { get; }

    /// <summary>What is wrong with the value, without the location.</summary>
    public string Reason { get; }

    internal PythonLiteralException Under(string segment) => new(Child("", segment) + Pointer, Reason);

    internal PythonLiteralException At(string pointer) => new(pointer + Pointer, Reason);

    /// <summary>
    /// <paramref name="parent"/> extended by one segment, fit for an error message: escaped per RFC 6901,
    /// control characters spelled out, long keys cut.
    /// </summary>
    internal static string Child(string parent, string segment)
    {
        var sb = new StringBuilder(parent, parent.Length + 1 + Math.Min(segment.Length, 80)).Append('/');
        foreach (var c in segment.Length <= 80 ? segment : segment[..77])
        {
            _ = c switch
            {
                '~' => sb.Append("~0"),
                '/' => sb.Append("~1"),
                < ' ' or '\u007f' or '\u0085' or '\u2028' or '\u2029' => sb.Append($"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }

        return segment.Length <= 80 ? sb.ToString() : sb.Append("...").ToString();
    }
}
