using System.ComponentModel.DataAnnotations;

namespace WorkflowControl.Api.Features.Preview;

/// <summary>How the API runs the task library's preview entry point (section "Preview").</summary>
public sealed class PreviewOptions
{
    public const string Section = "Preview";

    /// <summary>The interpreter that sees the task library's dependencies (pandas, ...).</summary>
    public string Python { get; set; } = "/usr/bin/python3";

    /// <summary>Folder put on PYTHONPATH (the repository's airflow/src); empty: found beside the API, else the installed package.</summary>
    public string? TaskLibraryPath { get; set; }

    /// <summary>Per-owner named secrets, as the task library reads them.</summary>
    public string SecretsRoot { get; set; } = "/opt/airflow/secrets";

    /// <summary>
    /// Hosts and networks on private addresses that steps may reach (WORKFLOWCONTROL_ALLOWED_HOSTS): set it to what
    /// Airflow's workers have, so a preview refuses and allows exactly what a run does.
    /// </summary>
    public string? AllowedHosts { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Preview:Timeout must be between 1 second and 10 minutes.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1024, 256 * 1024 * 1024, ErrorMessage = "Preview:MaxOutputBytes must be between 1 KiB and 256 MiB.")]
    public int MaxOutputBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Previews running at once; more wait (within their time-out) so a busy editor cannot starve the API.</summary>
    [Range(1, 64, ErrorMessage = "Preview:MaxConcurrent must be between 1 and 64.")]
    public int MaxConcurrent { get; set; } = 2;
}
