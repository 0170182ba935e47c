using System.Text;
using System.Text.Json;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests;

/// <summary>What Python says about one generated file: whether it compiles, and its checked syntax tree.</summary>
public sealed record DagCheckResult(bool Compiles, string CompileOutput, IReadOnlyList<string> Problems, JsonElement Tree)
{
    public JsonElement Dag => Tree.GetProperty("dag");

    public IReadOnlyList<JsonElement> Tasks => [.. Tree.GetProperty("tasks").EnumerateArray()];

    public IReadOnlyList<string> Imports => [.. Tree.GetProperty("imports").EnumerateArray().Select(i => i.GetString()!)];

    public IReadOnlyList<(string From, string To)> Edges =>
        [.. Tree.GetProperty("edges").EnumerateArray().Select(e => (e[0].GetString()!, e[1].GetString()!))];

    public JsonElement Task(string var) => Tasks.Single(t => t.GetProperty("var").GetString() == var).GetProperty("kwargs");
}

/// <summary>
/// Runs Debian's Python over many generated files at once (two processes per batch, not two per file):
/// <c>python3 -m py_compile</c>, then <c>ast_check.py</c>, which reports the statement kinds and the literal values.
/// </summary>
public static class PythonDagCheck
{
    private static readonly string Script = RepositoryRoot.Combine("tests", "WorkflowControl.Dags.Tests", "ast_check.py");

    public static IReadOnlyDictionary<string, DagCheckResult> Run(IReadOnlyDictionary<string, string> filesByKey)
    {
        var dir = Directory.CreateTempSubdirectory("wfc-dag-check-");
        try
        {
            var paths = Python.WriteFiles(dir.FullName, filesByKey);
            var results = new Dictionary<string, DagCheckResult>(StringComparer.Ordinal);
            if (paths.Count == 0)
            {
                return results;
            }

            var compileFailures = Python.CompileFailures(paths);
            var (astExit, astOutput) = Python.Run([Script, .. paths.Values]);
            Assert.That(astExit, Is.EqualTo(0), "ast_check.py failed: " + astOutput);
            var trees = astOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 256 }).RootElement)
                .ToDictionary(t => t.GetProperty("file").GetString()!, StringComparer.Ordinal);
            foreach (var (key, path) in paths)
            {
                var tree = trees[path];
                var problems = tree.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
                results[key] = new DagCheckResult(!compileFailures.ContainsKey(key), compileFailures.GetValueOrDefault(key, ""), problems, tree);
            }

            return results;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Evaluates each literal as Python source and returns what Python sees: the value (as ASCII-only JSON), and
    /// for strings their length in code points and their UTF-8 bytes in hex, for a byte-for-byte comparison.
    /// </summary>
    public static IReadOnlyList<JsonElement> EvaluateLiterals(IReadOnlyList<string> literals)
    {
        const string script = """
            import ast, json, sys
            tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
            assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign), "the file gained a statement"
            for node in tree.body[0].value.elts:
                value = ast.literal_eval(node)
                out = {"value": value}
                if isinstance(value, str):
                    out["codepoints"] = len(value)
                    out["utf8"] = value.encode("utf-8").hex()
                print(json.dumps(out, ensure_ascii=True))
            """;
        var file = Path.Combine(Path.GetTempPath(), $"wfc-literals-{Guid.NewGuid():N}.py");
        try
        {
            File.WriteAllText(file, "values = [\n" + string.Concat(literals.Select(l => "    " + l + ",\n")) + "]\n", new UTF8Encoding(false));
            var (exit, output) = Python.Run(["-c", script, file]);
            Assert.That(exit, Is.EqualTo(0), "Python could not evaluate the literals: " + output[..Math.Min(output.Length, 2000)]);
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static DagCheckResult RunOne(string content) => Run(new Dictionary<string, string> { ["one"] = content })["one"];
}
