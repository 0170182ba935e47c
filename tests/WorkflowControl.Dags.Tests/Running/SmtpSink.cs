using System.Diagnostics;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests.Running;

/// <summary>A local SMTP server (<c>smtp_sink.py</c>, aiosmtpd) that keeps each message it receives as a file.</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _folder;

    private SmtpSink(Process process, DirectoryInfo folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static SmtpSink Start()
    {
        var folder = Directory.CreateTempSubdirectory("wfc-smtp-");
        var info = new ProcessStartInfo(Python.Executable) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(RepositoryRoot.Combine("tests", "WorkflowControl.Dags.Tests", "Running", "smtp_sink.py"));
        info.ArgumentList.Add(folder.FullName);
        var process = Process.Start(info)!;
        // The script prints its port once the server accepts connections.
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the SMTP sink did not start");
        return new SmtpSink(process, folder, int.Parse(line, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The raw messages received so far, in order.</summary>
    public IReadOnlyList<string> Messages() =>
        [.. _folder.GetFiles("*.eml").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => File.ReadAllText(f.FullName).ReplaceLineEndings("\n").Replace("=\n", "", StringComparison.Ordinal))];

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit();
        _process.Dispose();
        _folder.Delete(recursive: true);
    }
}
