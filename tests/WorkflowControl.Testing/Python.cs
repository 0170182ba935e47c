namespace WorkflowControl.Testing;

/// <summary>Debian's interpreter, which sees the apt Python packages (the first python3 on PATH may not).</summary>
public static class Python
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("WFC_PYTHON") is { Length: > 0 } fromEnv ? fromEnv : "/usr/bin/python3";
}
