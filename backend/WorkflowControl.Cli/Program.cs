namespace WorkflowControl.Cli;

/// <summary>
/// wfctl: the command-line tool CI pipelines use to validate, push, deploy and run workflows.
/// Not top-level statements: their class is called Program, which the tests see next to the API's Program.
/// </summary>
internal static class Entry
{
    public static Task<int> Main(string[] args) => Cli.RunAsync(args, CliEnvironment.FromProcess());
}
