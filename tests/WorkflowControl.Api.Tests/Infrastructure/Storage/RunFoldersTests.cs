using System.Text.Json.Nodes;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Testing;
using WorkflowControl.Api.Infrastructure.Storage;

namespace WorkflowControl.Api.Tests.Infrastructure.Storage;

/// <summary>The API finds the folders the task library writes: both name a run's folder by the same vectors.</summary>
public sealed class RunFoldersTests
{
    private static IEnumerable<TestCaseData> SharedCases() =>
        JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("tests", "fixtures", "safe-run-ids.json")))!["cases"]!.AsArray()
            .Select(c => new TestCaseData(c!["runId"]!.GetValue<string>(), c["folder"]!.GetValue<string>()));

    [TestCaseSource(nameof(SharedCases))]
    public void Run_folders_match_the_task_librarys(string runId, string folder) =>
        Assert.That(RunFolders.SafeRunId(runId), Is.EqualTo(folder), "airflow/tests/test_macros_and_paths.py runs the same cases against paths.safe_run_id");

    [Test]
    public void A_step_record_lies_in_the_runs_folder_under_steps()
    {
        var owner = Guid.Parse("0b5c9f4e-1111-4a5b-8c9d-222222222222");
        var workflow = Guid.Parse("7d3e2a10-3333-4b6c-9d8e-444444444444");

        Assert.That(RunFolders.StepRecordPath("/shared", owner, workflow, "manual__2024-01-01T00:00:00+00:00", "read__to__export"),
            Is.EqualTo($"/shared/{owner}/{workflow}/manual__2024-01-01T00_00_00_00_00_c87eaaa6/_steps/read__to__export.json"));
    }
}
