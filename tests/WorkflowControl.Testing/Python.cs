using System.Diagnostics;
using System.Text;

namespace WorkflowControl.Testing;

/// <summary>Debian's interpreter, which sees the apt Python packages (the first python3 on PATH may not).</summary>
public static class Python
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("WFC_PYTHON") is { Length: > 0 } fromEnv ? fromEnv : "/usr/bin/python3";

    /// <summary>Runs the interpreter to the end; standard output and standard error are read apart, as UTF-8.</summary>
    public static (int Exit, string Output, string Errors) Run(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
