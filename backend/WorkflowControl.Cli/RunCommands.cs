using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Cli;

/// <summary>Commands on a workflow on the server, named by its metadata.key: deploy, run, status, logs.</summary>
internal static class RunCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        yield return Deploy(context);
        yield return Run(context);
        yield return Status(context);
        yield return Logs(context);
    }

    private static Argument<string> KeyArgument() => new("KEY") { Description = "The workflow's metadata.key" };

    private static Command Deploy(CliContext context)
    {
        var key = KeyArgument();
        var version = new Option<int?>("--version") { Description = "Version to deploy (default: the latest)" };
        var active = new Option<bool>("--active") { Description = "Unpause the DAG once Airflow has parsed it" };
        var wait = new Option<bool>("--wait") { Description = "Wait until Airflow has parsed the DAG file; exit 0 parsed, 8 import error, 6 timeout" };
        var force = new Option<bool>("--force") { Description = "Deploy even while runs of the workflow are active (otherwise exit 9 naming them)" };
        var timeout = TimeoutOption(TimeSpan.FromMinutes(5));
        var command = new Command("deploy", "Render the workflow to its DAG file and record the deployment; with --wait follow it until Airflow has parsed it.")
        {
            key, version, active, wait, force, timeout,
        };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            using var api = context.Connect(parsed);
            var name = parsed.GetRequiredValue(key);
            var id = await api.ResolveAsync(name, ct);
            var body = new JsonObject { ["version"] = parsed.GetValue(version), ["active"] = parsed.GetValue(active) };
            var query = parsed.GetValue(force) ? "?force=true" : "";
            JsonElement deployment;
            try
            {
                deployment = await api.SendJsonAsync(HttpMethod.Post, $"/workflows/{id}/deployments{query}", body.ToJsonString(), ct);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.ActiveRuns)
            {
                throw new CliException(e.ExitCode, e.Message.Replace("?force=true", "--force", StringComparison.Ordinal), e.Details, e.Status);
            }

            var number = deployment.GetProperty("version").GetInt32();
            if (!context.IsJson(parsed))
            {
                await context.Env.Out.WriteLineAsync($"{name}: deployed version {number} to {deployment.GetProperty("file").GetString()} ({State(deployment)})");
            }

            if (parsed.GetValue(wait))
            {
                deployment = await WaitForAirflowAsync(context, api, id, deployment, parsed.GetValue(timeout), ct);
            }

            if (context.IsJson(parsed))
            {
                await context.WriteJsonAsync(deployment);
            }
            else if (parsed.GetValue(wait))
            {
                await context.Env.Out.WriteLineAsync($"{name}: version {number} parsed by Airflow");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string? State(JsonElement deployment) => deployment.GetProperty("state").GetString();

    /// <summary>Polls the deployment until Airflow has parsed its file; an import error or a timeout ends the command.</summary>
    private static async Task<JsonElement> WaitForAirflowAsync(CliContext context, ApiClient api, Guid id, JsonElement deployment, TimeSpan timeout, CancellationToken ct)
    {
        var deploymentId = deployment.GetProperty("id").GetGuid();
        var version = deployment.GetProperty("version").GetInt32();
        var done = await PollUntilAsync(context, timeout, async () =>
        {
            var list = await api.GetAsync($"/workflows/{id}/deployments", ct);
            deployment = list.EnumerateArray().First(d => d.GetProperty("id").GetGuid() == deploymentId);
            return State(deployment) != "written";
        }, ct);
        return State(deployment) switch
        {
            _ when !done => throw new CliException(ExitCodes.Timeout,
                $"Airflow did not parse version {version} within {timeout}; the deployment is still waiting for it ({deployment.GetProperty("message").GetString() ?? "written"})."),
            "import_error" => throw new CliException(ExitCodes.ImportError,
                $"Airflow cannot import the DAG file of version {version}: {deployment.GetProperty("message").GetString() ?? "no reason given"}"),
            "superseded" => throw new CliException(ExitCodes.Conflict, $"Version {version} was replaced by a newer deployment before Airflow parsed it."),
            _ => deployment,
        };
    }

    private static Command Run(CliContext context)
    {
        var key = KeyArgument();
        var parameters = new Option<string[]>("--param") { Description = "A run parameter k=v (v read as JSON when it parses, else as text); repeatable" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the run to finish; exit 0 success, 5 failed or cancelled, 6 timeout" };
        var timeout = TimeoutOption(TimeSpan.FromMinutes(10));
        var idempotencyKey = new Option<string?>("--idempotency-key")
        {
            Description = "Names this trigger (sent as Idempotency-Key; default: a new UUID per invocation, kept across wfctl's own retries). "
                + "The same key again, e.g. from a re-run CI job, answers with the run it started instead of starting another; with other --param it exits 1",
        };
        var command = new Command("run", "Trigger a run of the deployed workflow, and with --wait follow it to the end.") { key, parameters, wait, timeout, idempotencyKey };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            var conf = new JsonObject();
            foreach (var pair in parsed.GetValue(parameters) ?? [])
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                if (at < 1)
                {
                    throw new CliException(ExitCodes.Usage, $"--param '{pair}' is not k=v.");
                }

                conf[pair[..at]] = ParamValue(pair[(at + 1)..]);
            }

            using var api = context.Connect(parsed);
            var id = await api.ResolveAsync(parsed.GetRequiredValue(key), ct);
            var triggered = await TriggerAsync(context, api, id, conf, parsed.GetValue(idempotencyKey) ?? Guid.NewGuid().ToString(), ct);
            var runId = triggered.GetProperty("runId").GetString()!;
            if (!parsed.GetValue(wait))
            {
                await (context.IsJson(parsed)
                    ? context.WriteJsonAsync(triggered)
                    : context.Env.Out.WriteLineAsync($"run {runId}: {triggered.GetProperty("state").GetString()}"));
                return ExitCodes.Ok;
            }

            return await WaitAsync(context, api, id, runId, parsed.GetValue(timeout), context.IsJson(parsed), ct);
        }));
        return command;
    }

    /// <summary>Attempts of a trigger whose answer was lost (the server unreachable, or 502 to 504 from a proxy).</summary>
    private const int TriggerAttempts = 3;

    /// <summary>
    /// Triggers the run, repeating the request when its answer is lost: the same Idempotency-Key makes the server answer a
    /// repeat with the run the first attempt may have started, so a repeat never starts a second run.
    /// </summary>
    private static async Task<JsonElement> TriggerAsync(CliContext context, ApiClient api, Guid id, JsonObject conf, string idempotencyKey, CancellationToken ct)
    {
        var body = new JsonObject { ["params"] = conf }.ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await api.SendJsonAsync(HttpMethod.Post, $"/workflows/{id}/runs", body, ct, idempotencyKey: idempotencyKey);
            }
            catch (CliException e) when (attempt < TriggerAttempts && e.ExitCode == ExitCodes.Unavailable && e.Status is null or 502 or 503 or 504)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), context.Env.Time, ct);
            }
        }
    }

    /// <summary>How long a --wait waits, e.g. 90s, 10m, 1h.</summary>
    private static Option<TimeSpan> TimeoutOption(TimeSpan fallback) => new("--timeout")
    {
        Description = "How long --wait waits, e.g. 90s, 10m, 1h",
        DefaultValueFactory = _ => fallback,
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            var duration = ParseDuration(text);
            if (duration is null)
            {
                r.AddError($"--timeout '{text}' is not a duration like 90s, 10m or 1h.");
            }

            return duration ?? TimeSpan.Zero;
        },
    };

    /// <summary>
    /// Asks <paramref name="done"/> every poll interval on the environment's clock until it says yes; false when
    /// <paramref name="timeout"/> passes first.
    /// </summary>
    private static async Task<bool> PollUntilAsync(CliContext context, TimeSpan timeout, Func<Task<bool>> done, CancellationToken ct)
    {
        var time = context.Env.Time;
        var started = time.GetTimestamp();
        while (true)
        {
            if (await done())
            {
                return true;
            }

            var waited = time.GetElapsedTime(started);
            if (waited >= timeout)
            {
                return false;
            }

            var pause = context.Env.PollInterval < timeout - waited ? context.Env.PollInterval : timeout - waited;
            await Task.Delay(pause, time, ct);
        }
    }

    /// <summary>Polls the run until it ends, printing the run's and each task's state when it changes.</summary>
    private static async Task<int> WaitAsync(CliContext context, ApiClient api, Guid id, string runId, TimeSpan timeout, bool json, CancellationToken ct)
    {
        var seen = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? runState = null;
        JsonElement detail = default;
        var finished = await PollUntilAsync(context, timeout, async () =>
        {
            try
            {
                detail = await api.GetAsync($"/workflows/{id}/runs/{runId}", ct);
            }
            catch (CliException e) when (e.Status == 404)
            {
                // Airflow has not created the run yet (the API triggers it again once Airflow answers): keep waiting.
                return false;
            }

            var state = detail.GetProperty("state").GetString();
            foreach (var task in detail.GetProperty("tasks").EnumerateArray())
            {
                var taskId = task.GetProperty("taskId").GetString()!;
                var taskState = task.GetProperty("state").GetString() ?? "none";
                if (!json && (!seen.TryGetValue(taskId, out var before) || before != taskState))
                {
                    await context.Env.Out.WriteLineAsync($"  {taskId}: {taskState}");
                }

                seen[taskId] = taskState;
            }

            if (!json && state != runState)
            {
                await context.Env.Out.WriteLineAsync($"run {runId}: {state}");
            }

            runState = state;
            // Over, one way or another: a cancelled run (failed in Airflow) or one deleted there does not finish later.
            return state is "success" or "failed" or "cancelled" or "deleted";
        }, ct);
        if (!finished)
        {
            throw new CliException(ExitCodes.Timeout, $"Run {runId} did not finish within {timeout}; it is still {runState ?? "pending"}.");
        }

        if (json)
        {
            await context.WriteJsonAsync(detail);
        }

        return runState == "success" ? ExitCodes.Ok : ExitCodes.RunFailed;
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
            {
                return TimeSpan.FromSeconds(amount * seconds);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
    }

    private static JsonNode? ParamValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static Command Status(CliContext context)
    {
        var key = KeyArgument();
        var command = new Command("status", "Show the workflow's deployments and latest runs.") { key };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            using var api = context.Connect(parsed);
            var name = parsed.GetRequiredValue(key);
            var summary = await api.ResolveSummaryAsync(name, ct);
            var id = summary.GetProperty("id").GetGuid();
            var workflow = await api.GetAsync($"/workflows/{id}", ct);
            var deployments = await api.GetAsync($"/workflows/{id}/deployments", ct);
            // The run list comes from Airflow; when Airflow cannot answer, what the server's database knows is still shown.
            var (runs, runsMissing) = await RunsOrWhyNotAsync(api, id, ct);
            var lastRun = summary.TryGetProperty("lastRun", out var last) && last.ValueKind == JsonValueKind.Object ? last : (JsonElement?)null;
            if (context.IsJson(parsed))
            {
                await context.WriteJsonAsync(new { id, key = name, version = workflow.GetProperty("version").GetInt32(), deployments, runs, lastRun });
            }
            else
            {
                await WriteStatusAsync(context.Env.Out, name, id, workflow, deployments, runs, lastRun);
            }

            return runsMissing is null
                ? ExitCodes.Ok
                : throw new CliException(ExitCodes.Unavailable, $"Runs are not available: {runsMissing.Message}", runsMissing.Details);
        }));
        return command;
    }

    private static async Task<(JsonElement? Runs, CliException? Missing)> RunsOrWhyNotAsync(ApiClient api, Guid id, CancellationToken ct)
    {
        try
        {
            return ((await api.GetFromAirflowAsync($"/workflows/{id}/runs?limit=10", ct)).GetProperty("items"), null);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.Unavailable)
        {
            return (null, e);
        }
    }

    private static async Task WriteStatusAsync(
        TextWriter output, string name, Guid id, JsonElement workflow, JsonElement deployments, JsonElement? runs, JsonElement? lastRun)
    {
        await output.WriteLineAsync($"{name} ({id}), version {workflow.GetProperty("version").GetInt32()}");
        await output.WriteLineAsync("deployments:");
        foreach (var d in deployments.EnumerateArray())
        {
            await output.WriteLineAsync($"  version {d.GetProperty("version").GetInt32()}  {d.GetProperty("state").GetString()}  {d.GetProperty("createdAt").GetDateTimeOffset():u}");
        }

        if (runs is { } items)
        {
            await output.WriteLineAsync("runs:");
            foreach (var r in items.EnumerateArray())
            {
                await output.WriteLineAsync($"  {r.GetProperty("runId").GetString()}  {r.GetProperty("state").GetString()}  {r.GetProperty("runType").GetString()}");
            }
        }
        else
        {
            await output.WriteLineAsync("runs: not available right now");
            await output.WriteLineAsync(lastRun is { } run
                ? $"  latest run recorded: {run.GetProperty("state").GetString()}{StartedAt(run)}"
                : "  no run recorded");
        }
    }

    private static string StartedAt(JsonElement run) =>
        run.TryGetProperty("startedAt", out var at) && at.ValueKind == JsonValueKind.String ? $"  {at.GetDateTimeOffset():u}" : "";

    private static Command Logs(CliContext context)
    {
        var key = KeyArgument();
        var run = new Option<string>("--run") { Description = "Run id", Required = true };
        var task = new Option<string>("--task") { Description = "Task id", Required = true };
        var attempt = new Option<int?>("--try") { Description = "Try number (default: the latest)" };
        var command = new Command("logs", "Print a task's log from one run.") { key, run, task, attempt };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            using var api = context.Connect(parsed);
            var id = await api.ResolveAsync(parsed.GetRequiredValue(key), ct);
            var path = $"/workflows/{id}/runs/{Uri.EscapeDataString(parsed.GetRequiredValue(run))}/tasks/{Uri.EscapeDataString(parsed.GetRequiredValue(task))}/logs";
            var query = parsed.GetValue(attempt) is { } n ? $"?try={n}&" : "?";
            string? next = null;
            // Airflow hands long logs out in chunks; a bound keeps a log that never ends from looping forever.
            for (var chunk = 0; chunk < 1000; chunk++)
            {
                var log = await api.GetAsync(path + query + (next is null ? "" : "token=" + Uri.EscapeDataString(next)), ct);
                await context.Env.Out.WriteAsync(log.GetProperty("content").GetString());
                next = log.GetProperty("continuationToken").GetString();
                if (log.GetProperty("done").GetBoolean() || next is null)
                {
                    break;
                }
            }

            await context.Env.Out.WriteLineAsync();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
