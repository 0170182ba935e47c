using Microsoft.Extensions.Options;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Features.Files;

/// <summary>
/// Removes run results older than Files:ResultRetentionDays, looking every Files:RetentionInterval on the
/// TimeProvider. A run's folder is old when nothing in it was written for that long; users' own files
/// (<c>&lt;owner&gt;/files</c>) and workflows' state (<c>_state</c>) are never touched.
/// </summary>
public sealed class ResultRetention(DataFolders folders, IOptions<FilesOptions> options, TimeProvider time, ILogger<ResultRetention> logger) : BackgroundService
{
    private TaskCompletionSource<int> _nextSweep = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the number of run folders removed when the next sweep has finished (for tests and diagnostics).</summary>
    public Task<int> NextSweep => _nextSweep.Task;

    /// <summary>Whether a run folder last written at <paramref name="lastWrite"/> is past its retention at <paramref name="now"/>.</summary>
    public static bool IsExpired(DateTimeOffset lastWrite, DateTimeOffset now, int retentionDays) =>
        retentionDays > 0 && now - lastWrite > TimeSpan.FromDays(retentionDays);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var removed = 0;
            try
            {
                removed = Sweep();
            }
            catch (IOException e)
            {
                logger.LogWarning("Removing old run results stopped: {Reason}", e.Message);
            }

            Interlocked.Exchange(ref _nextSweep, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(removed);
        }
    }

    /// <summary>One look through every workflow's run folders; returns how many were removed.</summary>
    public int Sweep()
    {
        var days = options.Value.ResultRetentionDays;
        if (days == 0 || folders.Root is not { } root || !Directory.Exists(root))
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var removed = 0;
        foreach (var run in RunFolders(root))
        {
            if (IsExpired(LastWrite(run), now, days))
            {
                run.Delete(recursive: true);
                removed++;
            }
        }

        if (removed > 0)
        {
            logger.LogInformation("Removed the results of {Count} runs older than {Days} days", removed, days);
        }

        return removed;
    }

    /// <summary>Folders <c>&lt;owner uuid&gt;/&lt;workflow uuid&gt;/&lt;run&gt;</c>, skipping links and folders whose names start with '_'.</summary>
    private static IEnumerable<DirectoryInfo> RunFolders(string root) =>
        from owner in Subfolders(new DirectoryInfo(root)).Where(d => Guid.TryParse(d.Name, out _))
        from workflow in Subfolders(owner).Where(d => Guid.TryParse(d.Name, out _))
        from run in Subfolders(workflow).Where(d => !d.Name.StartsWith('_'))
        select run;

    private static IEnumerable<DirectoryInfo> Subfolders(DirectoryInfo folder) => folder.EnumerateDirectories().Where(d => d.LinkTarget is null);

    private static DateTimeOffset LastWrite(DirectoryInfo run) =>
        run.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(i => i.LastWriteTimeUtc).Append(run.LastWriteTimeUtc).Max();
}
