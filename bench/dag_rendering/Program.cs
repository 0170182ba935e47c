using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;

// Render and write a whole fleet of DAG files, as a template change would, and one very large workflow.
// Usage: dotnet run -c Release --project bench/dag_rendering -- [--workflows 10000] [--tasks 20] [--large 500] [--root DIR]
var options = Options.Parse(args);
var root = options.Root ?? Directory.CreateTempSubdirectory("wfc-bench-dags-").FullName;
var renderer = new DagRenderer();
var writer = new DagFileWriter(new DagPaths(root), TimeProvider.System);
var publisher = new DagPublisher(renderer, writer);
var fleet = new FleetRerender(publisher);

var owners = Enumerable.Range(0, Math.Max(1, options.Workflows / 100)).Select(i => new DagOwner(Guid.NewGuid(), $"Analyst {i}")).ToArray();
var items = Enumerable.Range(0, options.Workflows)
    .Select(i => new FleetItem(Guid.NewGuid(), owners[i % owners.Length], 1, Synthetic.Workflow($"Workflow {i}", options.Tasks, seed: i)))
    .ToList();
var large = Synthetic.Workflow("Large", options.LargeTasks, seed: 7);

publisher.Publish(items[0].Document, Guid.NewGuid(), owners[0], 1); // template compile and JIT outside the timings

Console.WriteLine($"dags root: {root}; {Environment.ProcessorCount} cores; {options.Workflows:N0} workflows x {options.Tasks} tasks; large: {options.LargeTasks} tasks");
Console.WriteLine();
Console.WriteLine("| scenario | files | total | per file |");
Console.WriteLine("| --- | ---: | ---: | ---: |");

Measure("render only, 1 thread (no I/O)", items.Count, () =>
{
    foreach (var item in items)
    {
        renderer.Render(item.Document, item.WorkflowId, item.Owner, item.Version);
    }
});
Measure("fleet render + write, new files", items.Count, () => Expect(fleet.Run(items), changed: items.Count));
Measure("fleet re-render, nothing changed", items.Count, () => Expect(fleet.Run(items), changed: 0));
var bumped = items.Select(i => i with { Version = 2 }).ToList();
Measure("fleet re-render, every file changed", items.Count, () => Expect(fleet.Run(bumped), changed: items.Count));

const int largeRuns = 20;
var largeId = Guid.NewGuid();
Measure($"{options.LargeTasks}-task workflow render + write", largeRuns, () =>
{
    for (var v = 1; v <= largeRuns; v++)
    {
        publisher.Publish(large, largeId, owners[0], v);
    }
});

if (options.Root is null)
{
    Directory.Delete(root, recursive: true);
}

static void Expect(FleetRerenderResult result, int changed)
{
    if (result.Failed != 0 || result.Changed != changed)
    {
        throw new InvalidOperationException($"unexpected fleet result: {result}");
    }
}

static void Measure(string name, int files, Action action)
{
    GC.Collect();
    var watch = Stopwatch.StartNew();
    action();
    watch.Stop();
    var perFile = watch.Elapsed.TotalMilliseconds / files;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {files:N0} | {watch.Elapsed.TotalSeconds:F2} s | {perFile:F3} ms |"));
}

internal sealed record Options(int Workflows, int Tasks, int LargeTasks, string? Root)
{
    public static Options Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(Number("--workflows", 10_000), Number("--tasks", 20), Number("--large", 500), Value("--root"));
    }
}

/// <summary>Workflows shaped like real ones: sources, transform chains with joins, loads, a report.</summary>
internal static class Synthetic
{
    public static WorkflowDocument Workflow(string name, int taskCount, int seed)
    {
        var tasks = new List<WorkflowTask>(taskCount);
        for (var i = 0; i < taskCount; i++)
        {
            var id = $"task_{i:D3}";
            var (type, config, deps) = (i % 5) switch
            {
                0 => ("extract.csv", Json(new { source = $"data/{seed}/input_{i}.csv", delimiter = ";", types = new { amount = "number", day = "date" } }), Array.Empty<string>()),
                1 => ("transform.clean", Json(new { trim = true, deduplicate = true, case_columns = new[] { "status", "region" } }), new[] { $"task_{i - 1:D3}" }),
                2 => ("transform.filter", Json(new { conditions = new object[] { new { column = "amount", @operator = "gt", value = 0 }, new { column = "status", @operator = "in", value = new[] { "paid", "shipped" } } } }), new[] { $"task_{i - 1:D3}" }),
                3 when i >= 8 => ("transform.join", Json(new { how = "left", left_keys = new[] { "customer_id" } }), new[] { $"task_{i - 1:D3}", $"task_{i - 6:D3}" }),
                3 => ("transform.pivot", Json(new { mode = "pivot", index = new[] { "sku" }, columns = "month", values = new[] { "amount" } }), new[] { $"task_{i - 1:D3}" }),
                _ => ("load.file", Json(new { path = $"out/{seed}/result_{i}.parquet", format = "parquet", overwrite = true }), new[] { $"task_{i - 1:D3}" }),
            };
            tasks.Add(new WorkflowTask { Id = id, Type = type, Config = config, DependsOn = deps });
        }

        return new WorkflowDocument
        {
            Metadata = new WorkflowMetadata { Name = name, Description = $"Synthetic workflow {seed}.\nUsed by the rendering benchmark.", Tags = ["bench", "synthetic"] },
            Spec = new WorkflowSpec
            {
                Schedule = seed % 2 == 0 ? "@daily" : "30 6 * * 1-5",
                Timezone = "Europe/Berlin",
                Params = new Dictionary<string, WorkflowParam> { ["region"] = new() { Type = "string", Default = Json("eu"), Description = "Region code" } },
                Defaults = new TaskDefaults { Retries = 2, RetryDelaySeconds = 120 },
                Tasks = tasks,
            },
        };
    }

    private static JsonElement Json<T>(T value) => JsonSerializer.SerializeToElement(value);
}
