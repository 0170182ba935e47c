using System.Diagnostics;
using System.Text.Json;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests.Running;

/// <summary>
/// The local HTTP, SFTP, FTP and SMTP servers one golden case's sources need (<c>airflow/tests/source_servers.py</c>,
/// the task library tests' own servers), started from the case's <c>run.json</c>; one process for all its runs.
/// </summary>
public sealed class SourceServers : IDisposable
{
    private readonly Process _process;

    private SourceServers(Process process, JsonElement ready)
    {
        _process = process;
        Ready = ready;
    }

    /// <summary>What the servers answered with once they accepted connections: <c>http</c>, <c>sftp_port</c>, ...</summary>
    public JsonElement Ready { get; }

    public static SourceServers Start(string caseRunFolder)
    {
        var info = new ProcessStartInfo(Python.Executable) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(RepositoryRoot.Combine("airflow", "tests", "source_servers.py"));
        info.ArgumentList.Add(caseRunFolder);
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var process = Process.Start(info)!;
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the source servers did not start");
        return new SourceServers(process, JsonDocument.Parse(line).RootElement.Clone());
    }

    /// <summary>The e-mails received since the last call, each as its recipients and raw text.</summary>
    public IReadOnlyList<string> TakeMail()
    {
        _process.StandardInput.WriteLine("mail");
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the source servers stopped");
        return [.. JsonDocument.Parse(line).RootElement.EnumerateArray().Select(m => m.GetRawText())];
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit();
        _process.Dispose();
    }
}
