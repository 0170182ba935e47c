using System.Diagnostics;
using System.Text;

namespace WorkflowControl.Testing;

/// <summary>Debian's interpreter, which sees the apt Python packages (the first python3 on PATH may not).</summary>
public static class Python
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("WFC_PYTHON") is { Length: > 0 } fromEnv ? fromEnv : "/usr/bin/python3";

    /// <summary>Runs the interpreter with <paramref name="args"/>; its exit code and what it printed (stdout, then stderr).</summary>
    public static (int Exit, string Output) Run(IReadOnlyList<string> args)
    {
        var (exit, output, errors) = RunSplit(args);
        return (exit, output + errors);
    }

    /// <summary>Runs the interpreter to the end; standard output and standard error are read apart, as UTF-8.</summary>
    public static (int Exit, string Output, string Errors) RunSplit(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
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

    /// <summary>Writes each text as a UTF-8 file in <paramref name="directory"/>; the path of each, by key.</summary>
    public static Dictionary<string, string> WriteFiles(string directory, IReadOnlyDictionary<string, string> contentsByKey)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var (key, content) in contentsByKey)
        {
            var path = Path.Combine(directory, $"f{i++:D4}.py");
            File.WriteAllText(path, content, new UTF8Encoding(false));
            paths[key] = path;
        }

        return paths;
    }

    /// <summary>
    /// Compiles many files with <c>py_compile</c> in one process; when the batch fails (py_compile stops at the first
    /// broken file) each file is compiled alone for its message. The files that do not compile, with Python's words.
    /// </summary>
    public static Dictionary<string, string> CompileFailures(IReadOnlyDictionary<string, string> pathsByKey)
    {
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pathsByKey.Count == 0)
        {
            return failures;
        }

        var (exit, batchOutput) = Run(["-m", "py_compile", .. pathsByKey.Values]);
        if (exit == 0)
        {
            return failures;
        }

        foreach (var (key, path) in pathsByKey)
        {
            var (fileExit, output) = Run(["-m", "py_compile", path]);
            if (fileExit != 0)
            {
                failures[key] = output;
            }
        }

        return failures.Count > 0 ? failures : throw new InvalidOperationException("py_compile failed on the batch but on no single file: " + batchOutput);
    }

    /// <summary><see cref="CompileFailures"/> of texts, written to a temporary folder that is removed afterwards.</summary>
    public static Dictionary<string, string> CompileFailuresOf(IReadOnlyDictionary<string, string> contentsByKey)
    {
        var directory = Directory.CreateTempSubdirectory("wfc-py-compile-");
        try
        {
            return CompileFailures(WriteFiles(directory.FullName, contentsByKey));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
