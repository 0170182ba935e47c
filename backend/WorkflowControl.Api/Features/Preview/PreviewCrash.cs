using System.Text.RegularExpressions;

namespace WorkflowControl.Api.Features.Preview;

/// <summary>
/// What a crashed preview process said, reduced to what is safe to log: the exception's kind (never its message, which
/// can quote config or secret values) and, for a missing module, the module's name.
/// </summary>
public sealed partial record PreviewCrash(string? ExceptionType, string? MissingModule)
{
    public static PreviewCrash Read(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        var kind = ExceptionLine().Match(last);
        var module = MissingModuleLine().Match(last);
        return new PreviewCrash(kind.Success ? kind.Groups["type"].Value : null, module.Success ? module.Groups["module"].Value : null);
    }

    // The last line of a Python traceback: "pkg.SomeError: message" or "SomeError".
    [GeneratedRegex(@"^(?<type>[A-Za-z_][\w.]{0,120}(Error|Exception|Interrupt|Exit|Warning))(:|$)", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionLine();

    [GeneratedRegex(@"^ModuleNotFoundError: No module named '(?<module>[A-Za-z_][\w.]{0,120})'$", RegexOptions.CultureInvariant)]
    private static partial Regex MissingModuleLine();
}
