using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace WorkflowControl.Cli;

/// <summary>The wfctl command tree; <see cref="RunAsync"/> parses, runs one command and returns its exit code.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken ct = default)
    {
        var context = new CliContext(env);
        var root = new RootCommand("wfctl: validate, push, deploy and run WorkflowControl workflows from CI.\n\n" + ExitCodes.Help);
        root.Options.Add(context.Server);
        root.Options.Add(context.TokenFile);
        root.Options.Add(context.Output);
        foreach (var command in WorkflowCommands.Create(context).Concat(RunCommands.Create(context)))
        {
            root.Subcommands.Add(command);
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await env.Error.WriteLineAsync($"wfctl: {error.Message}");
            }

            await env.Error.WriteLineAsync("Run 'wfctl --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = env.Out, Error = env.Error, EnableDefaultExceptionHandler = false }, ct);
    }
}

/// <summary>The options every command shares and the helpers command bodies use, created once per invocation.</summary>
internal sealed class CliContext
{
    public CliContext(CliEnvironment env)
    {
        Env = env;
        Output.AcceptOnlyFromAmong("text", "json");
    }

    public CliEnvironment Env { get; }

    public Option<string?> Server { get; } = new("--server") { Description = "API base URL (default: WFCTL_SERVER)", Recursive = true };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "File holding the API token (default: WFCTL_TOKEN, then WFCTL_TOKEN_FILE)",
        Recursive = true,
    };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text", Recursive = true };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Wraps a command body: a <see cref="CliException"/> becomes its message on stderr and its exit code.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Handle(Func<ParseResult, CancellationToken, Task<int>> body) =>
        async (parsed, ct) =>
        {
            try
            {
                return await body(parsed, ct);
            }
            catch (CliException e)
            {
                await Env.Error.WriteLineAsync($"wfctl: {e.Message}");
                foreach (var line in e.Details)
                {
                    await Env.Error.WriteLineAsync($"  {line}");
                }

                return e.ExitCode;
            }
        };

    public bool IsJson(ParseResult parsed) => parsed.GetValue(Output) == "json";

    public Task WriteJsonAsync(object value) => Env.Out.WriteLineAsync(JsonSerializer.Serialize(value, Json));

    /// <summary>An API client for the server and token from options and environment; never a token on the command line.</summary>
    public ApiClient Connect(ParseResult parsed)
    {
        var server = parsed.GetValue(Server) ?? Env.Variable("WFCTL_SERVER");
        if (string.IsNullOrWhiteSpace(server) || !Uri.TryCreate(server, UriKind.Absolute, out var baseAddress))
        {
            throw new CliException(ExitCodes.Usage, "No server: pass --server https://... or set WFCTL_SERVER.");
        }

        var token = Env.Variable("WFCTL_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            var file = parsed.GetValue(TokenFile) ?? Env.Variable("WFCTL_TOKEN_FILE");
            if (string.IsNullOrWhiteSpace(file))
            {
                throw new CliException(ExitCodes.Auth, "No API token: set WFCTL_TOKEN, or name a file with WFCTL_TOKEN_FILE or --token-file.");
            }

            if (!File.Exists(file))
            {
                throw new CliException(ExitCodes.Auth, $"The token file '{file}' does not exist.");
            }

            token = File.ReadAllText(file).Trim();
        }

        var http = new HttpClient(Env.CreateHandler(), disposeHandler: true) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("wfctl", "1"));
        return new ApiClient(http);
    }
}
