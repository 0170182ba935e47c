using System.CommandLine;
using System.Text.Json;
using WorkflowControl.Core.Catalog;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Cli;

/// <summary>Commands on workflow documents: validate (offline), push, diff, export.</summary>
internal static class WorkflowCommands
{
    private static readonly WorkflowValidator Validator = new(EmbeddedTaskCatalog.Instance);

    public static IEnumerable<Command> Create(CliContext context)
    {
        yield return Validate(context);
        yield return Push(context);
        yield return Diff(context);
        yield return Export(context);
    }

    /// <summary>A workflow file read and checked with the API's own rules; problems carry JSON pointers.</summary>
    private sealed record LocalFile(string Path, string Text, WorkflowValidation Validation)
    {
        public string? Key => Validation.Document?.Metadata.Key;

        public IReadOnlyList<ValidationProblem> Problems => Validation.IsValid && string.IsNullOrWhiteSpace(Key)
            ? [new ValidationProblem("/metadata/key", "wfctl needs metadata.key to find this workflow on the server; add a stable key.")]
            : Validation.Problems;
    }

    private static LocalFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.Usage, $"The file '{path}' does not exist.");
        }

        // Bytes, not text: invalid UTF-8 is reported as the API reports it instead of being replaced on reading.
        var bytes = File.ReadAllBytes(path);
        return new LocalFile(path, File.ReadAllText(path), Validator.Validate(bytes));
    }

    private static Command Validate(CliContext context)
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Workflow JSON files" };
        var command = new Command("validate", "Check workflow files offline with the API's rules; every problem with its JSON pointer.") { files };
        command.SetAction(context.Handle(async (parsed, _) =>
        {
            var results = parsed.GetRequiredValue(files).Select(Read).ToList();
            if (context.IsJson(parsed))
            {
                await context.WriteJsonAsync(results.Select(r => new { file = r.Path, valid = r.Validation.IsValid, problems = r.Validation.Problems }));
            }
            else
            {
                foreach (var result in results)
                {
                    await WriteProblemsAsync(context, result.Path, result.Validation.Problems);
                }
            }

            return results.All(r => r.Validation.IsValid) ? ExitCodes.Ok : ExitCodes.ValidationFailed;
        }));
        return command;
    }

    private static async Task WriteProblemsAsync(CliContext context, string path, IReadOnlyList<ValidationProblem> problems)
    {
        if (problems.Count == 0)
        {
            await context.Env.Out.WriteLineAsync($"{path}: valid");
            return;
        }

        foreach (var problem in problems)
        {
            await context.Env.Out.WriteLineAsync($"{path}: {problem.Pointer}: {problem.Message}");
        }
    }

    /// <summary>Reads every file first and stops with exit 1 when any is invalid, so nothing is half pushed.</summary>
    private static async Task<List<LocalFile>> ReadValidAsync(CliContext context, IEnumerable<string> paths)
    {
        var files = paths.Select(Read).ToList();
        var invalid = files.Where(f => f.Problems.Count > 0).ToList();
        foreach (var file in invalid)
        {
            foreach (var problem in file.Problems)
            {
                await context.Env.Error.WriteLineAsync($"{file.Path}: {problem.Pointer}: {problem.Message}");
            }
        }

        return invalid.Count == 0 ? files : throw new CliException(ExitCodes.ValidationFailed, "Validation failed; nothing was sent to the server.");
    }

    private static Command Push(CliContext context)
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Workflow JSON files with metadata.key" };
        var force = new Option<bool>("--force") { Description = "Overwrite a newer version on the server deliberately" };
        var baseVersion = new Option<int?>("--base-version") { Description = "The server version the files were based on (default: the version read now)" };
        var command = new Command("push", "Create or update workflows by metadata.key; a newer server version is a conflict (exit 4) unless --force.")
        {
            files, force, baseVersion,
        };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            var local = await ReadValidAsync(context, parsed.GetRequiredValue(files));
            using var api = context.Connect(parsed);
            var results = new List<object>();
            foreach (var file in local)
            {
                var outcome = await PushOneAsync(api, file, parsed.GetValue(baseVersion), parsed.GetValue(force), ct);
                results.Add(outcome);
                if (!context.IsJson(parsed))
                {
                    await context.Env.Out.WriteLineAsync(outcome.Describe());
                }
            }

            if (context.IsJson(parsed))
            {
                await context.WriteJsonAsync(results);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private sealed record PushOutcome(string File, string Key, Guid Id, string Action, int? PreviousVersion, int Version)
    {
        public string Describe() => Action switch
        {
            "created" => $"{Key}: created as {Id}, version {Version}",
            "unchanged" => $"{Key}: unchanged at version {Version}",
            "overwritten" => $"{Key}: overwrote newer version {PreviousVersion} with version {Version} (--force)",
            _ => $"{Key}: updated version {PreviousVersion} -> {Version}",
        };
    }

    private static async Task<PushOutcome> PushOneAsync(ApiClient api, LocalFile file, int? baseVersion, bool force, CancellationToken ct)
    {
        var key = file.Key!;
        if (await api.FindByKeyAsync(key, ct) is not { } id)
        {
            var created = await api.SendJsonAsync(HttpMethod.Post, "/workflows", file.Text, ct);
            return new PushOutcome(file.Path, key, created.GetProperty("id").GetGuid(), "created", null, created.GetProperty("version").GetInt32());
        }

        var current = (await api.GetAsync($"/workflows/{id}", ct)).GetProperty("version").GetInt32();
        var basedOn = baseVersion ?? current;
        try
        {
            var updated = (await api.SendJsonAsync(HttpMethod.Put, $"/workflows/{id}", file.Text, ct, basedOn)).GetProperty("version").GetInt32();
            return new PushOutcome(file.Path, key, id, updated == basedOn ? "unchanged" : "updated", basedOn, updated);
        }
        catch (CliException e) when (e.Status == 412)
        {
            if (!force)
            {
                throw new CliException(ExitCodes.Conflict,
                    $"{file.Path}: the server has a newer version of '{key}' than {basedOn}; nothing was saved. {e.Message}. Review with 'wfctl diff', or push with --force to overwrite it.");
            }
        }

        var newest = (await api.GetAsync($"/workflows/{id}", ct)).GetProperty("version").GetInt32();
        var overwritten = (await api.SendJsonAsync(HttpMethod.Put, $"/workflows/{id}", file.Text, ct, newest)).GetProperty("version").GetInt32();
        return new PushOutcome(file.Path, key, id, "overwritten", newest, overwritten);
    }

    private static Command Diff(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Workflow JSON file with metadata.key" };
        var command = new Command("diff", "Show what pushing FILE would change on the server, as JSON pointers.") { file };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            var local = (await ReadValidAsync(context, [parsed.GetRequiredValue(file)]))[0];
            using var api = context.Connect(parsed);
            var id = await api.FindByKeyAsync(local.Key!, ct);
            IReadOnlyList<WorkflowChange> changes;
            if (id is null)
            {
                changes = [new WorkflowChange("", "added", null, WorkflowJson.ToElement(ExecutionModes.WithDefault(local.Validation.Document!, isNew: true)))];
            }
            else
            {
                var server = (await api.GetAsync($"/workflows/{id}", ct)).GetProperty("document").Deserialize<WorkflowDocument>(WorkflowJson.Options)!;
                // A file that names no execution mode keeps the server's on push, so it is no change either.
                var after = ExecutionModes.WithDefault(local.Validation.Document!, isNew: false, server.Spec.Execution);
                changes = WorkflowDiff.Compare(WorkflowJson.ToElement(server), WorkflowJson.ToElement(after));
            }

            if (context.IsJson(parsed))
            {
                await context.WriteJsonAsync(new { key = local.Key, exists = id is not null, changes });
            }
            else if (id is null)
            {
                await context.Env.Out.WriteLineAsync($"+ {local.Key}: a new workflow would be created");
            }
            else if (changes.Count == 0)
            {
                await context.Env.Out.WriteLineAsync($"{local.Key}: no changes");
            }
            else
            {
                foreach (var change in changes)
                {
                    await context.Env.Out.WriteLineAsync(DescribeChange(change));
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string DescribeChange(WorkflowChange change) => change.Kind switch
    {
        "added" => $"+ {change.Pointer}: {Compact(change.After)}",
        "removed" => $"- {change.Pointer}: {Compact(change.Before)}",
        _ => $"~ {change.Pointer}: {Compact(change.Before)} -> {Compact(change.After)}",
    };

    private static string Compact(JsonElement? value) => value is { } v ? JsonSerializer.Serialize(v) : "";

    private static Command Export(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The workflow's metadata.key" };
        var command = new Command("export", "Print the workflow document on the server to stdout.") { key };
        command.SetAction(context.Handle(async (parsed, ct) =>
        {
            using var api = context.Connect(parsed);
            var id = await api.ResolveAsync(parsed.GetRequiredValue(key), ct);
            await context.Env.Out.WriteLineAsync(await api.GetTextAsync($"/workflows/{id}/export", ct));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
