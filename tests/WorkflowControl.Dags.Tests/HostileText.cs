namespace WorkflowControl.Dags.Tests;

/// <summary>Text chosen to break out of a Python literal, a comment, a line, or a template engine.</summary>
public static class HostileText
{
    public static readonly string OneMegabyte = BuildLarge();

    public static IReadOnlyList<(string Name, string Value)> Corpus { get; } =
    [
        ("double quote", "say \"hi\""),
        ("single quote", "it's"),
        ("triple double quotes", "\"\"\" closed? \"\"\""),
        ("triple single quotes", "''' closed? '''"),
        ("backslash at the end", "C:\\temp\\"),
        ("escape-looking text", "\\n \\x00 \\N{BULLET} \\u2028 \\U0001F600"),
        ("CR", "a\rb"),
        ("LF", "a\nb"),
        ("CRLF", "a\r\nb"),
        ("statement after a newline", "x\")\nimport os\nos.system(\"id\")\n#"),
        ("comment start", "# not a comment"),
        ("line separator", "a\u2028b"),
        ("paragraph separator", "a\u2029b"),
        ("next line", "a\u0085b"),
        ("vertical tab and form feed", "a\vb\fc"),
        ("bidi override", "abc\u202edcba\u202c"),
        ("bidi isolates", "\u2066x\u2069\u2067y\u2069\u2068z\u2069"),
        ("arabic letter mark", "\u061cx\u200fy\u200e"),
        ("zero width and BOM", "a\u200bb\u200dc\ufeff"),
        ("no-break and other spaces", "a\u00a0b\u2007c\u3000d"),
        ("C0 and C1 controls", "\u0001\u001b[31m\u007f\u0080\u009f"),
        ("emoji", "📈😀👩‍👩‍👧‍👦"),
        ("other astral", "𝔘𠀀\U0001F1E9\U0001F1EA"),
        ("private use astral", "\U000F0001\U0010FFFD"),
        ("jinja expression", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ("jinja statement", "{% for x in range(10) %}{{ x }}{% endfor %}"),
        ("allowed macros", "{{ ds }} {{ ts }} {{ run_id }} {{ params.region }}"),
        ("ends in .sql", "queries/report.sql"),
        ("ends in .sh", "scripts/run.sh"),
        ("ends in .md", "/etc/airflow/secret.md"),
        ("python f-string look", "{__import__('os').system('id')}"),
        ("only whitespace", " \t "),
        ("empty", ""),
        ("one megabyte", OneMegabyte),
    ];

    private static string BuildLarge()
    {
        const string chunk = "Zeile \"eins\"\\\r\n📈\u2028{{ ds }}\t'''";
        var sb = new System.Text.StringBuilder(1024 * 1024 + chunk.Length);
        while (sb.Length < 1024 * 1024)
        {
            sb.Append(chunk);
        }

        return sb.ToString();
    }
}
