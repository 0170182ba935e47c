using System.Text.Json;
using WorkflowControl.Core.Workflows;

// Airflow's per-task overhead model: how many Airflow task instances one run of each workflow needs, per step and
// fused. Each task instance costs Airflow scheduling, a process and a database round trip (seconds each).
// Usage: dotnet run -c Release --project bench/task_count -- [DIR of *.workflow.json, default: the golden cases]
var folder = args.Length > 0 ? args[0] : Path.Combine(FindRoot(), "tests", "WorkflowControl.Dags.Tests", "cases");
Console.WriteLine("| workflow | steps | Airflow tasks per step | Airflow tasks fused | saved |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
var totals = (Steps: 0, PerStep: 0, Fused: 0);
foreach (var file in Directory.GetFiles(folder, "*.workflow.json").Order(StringComparer.Ordinal))
{
    var name = Path.GetFileName(file)[..^".workflow.json".Length];
    if (File.Exists(Path.Combine(folder, name + ".error.txt")))
    {
        continue; // a case the renderer refuses
    }

    WorkflowDocument document;
    try
    {
        document = JsonSerializer.Deserialize<WorkflowDocument>(File.ReadAllText(file), WorkflowJson.Options)!;
        if (WorkflowGraph.FindCycle(document.Spec.Tasks) is not null || document.Spec.Tasks.Any(t => t.DependsOn.Any(d => document.Spec.Tasks.All(o => o.Id != d))))
        {
            continue; // error cases: they never render
        }
    }
    catch (JsonException)
    {
        continue;
    }

    var steps = document.Spec.Tasks.Count;
    var perStep = StepGrouping.PerStep(document.Spec.Tasks).Count;
    var fused = StepGrouping.Fused(document.Spec.Tasks).Count;
    totals = (totals.Steps + steps, totals.PerStep + perStep, totals.Fused + fused);
    Console.WriteLine($"| {name} | {steps} | {perStep} | {fused} | {Saved(perStep, fused)} |");
}

Console.WriteLine($"| all | {totals.Steps} | {totals.PerStep} | {totals.Fused} | {Saved(totals.PerStep, totals.Fused)} |");

static string Saved(int perStep, int fused) => perStep == 0 ? "-" : $"{100.0 * (perStep - fused) / perStep:F0} %";

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "WorkflowControl.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("WorkflowControl.sln not found");
}
