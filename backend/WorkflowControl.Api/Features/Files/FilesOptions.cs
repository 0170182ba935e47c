using System.ComponentModel.DataAnnotations;

namespace WorkflowControl.Api.Features.Files;

/// <summary>Uploads into users' data folders and the life of run results (section "Files").</summary>
public sealed class FilesOptions
{
    public const string Section = "Files";

    /// <summary>The largest file one upload may carry; a larger one is refused with 413.</summary>
    [Range(1, 10L * 1024 * 1024 * 1024, ErrorMessage = "Files:MaxUploadBytes must be between 1 byte and 10 GiB.")]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Run results older than this many days are removed; 0 keeps them until their workflow is deleted.</summary>
    [Range(0, 36500, ErrorMessage = "Files:ResultRetentionDays must be between 0 (keep) and 36500.")]
    public int ResultRetentionDays { get; set; }

    /// <summary>How often old run results are looked for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Files:RetentionInterval must be between 1 second and 7 days.")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);
}
