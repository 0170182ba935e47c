using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace WorkflowControl.Testing;

/// <summary>
/// Airflow 2.10's DAG processor behind a WireMock Airflow: every DAG file below the dags folder is imported into the
/// strict Airflow 2.10 double (<see cref="StrictAirflow"/>) when it appears or changes (looked at when Airflow is asked
/// about DAGs, all changed files in one batch, as a folder scan finds them). A file that imports is a parsed DAG
/// (<c>GET</c>/<c>PATCH /api/v1/dags/{dag_id}</c>); one that does not is listed by <c>GET /api/v1/importErrors</c>
/// with the stack trace Airflow records and the file's full path, and its DAG stays unknown (404), or, when an
/// earlier version was parsed, keeps that parse with <c>has_import_errors</c>. Bodies are the recorded 2.10.0 ones.
/// The routes rank below anything a test stubs itself, so a test can still make Airflow answer otherwise.
/// </summary>
public sealed class AirflowDagFolder
{
    /// <summary>WireMock priority of these routes: a larger number loses to the default priority of a test's own stubs.</summary>
    public const int Priority = 1000;

    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Parse> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _paused = new(StringComparer.Ordinal);
    private int _nextErrorId;

    private AirflowDagFolder(string root, TimeProvider time)
    {
        _root = root;
        _time = time;
    }

    /// <summary>One import of one version of a file: when, what the double said, and the last version that imported.</summary>
    private sealed record Parse(string Hash, DateTimeOffset At, DagImport Result, int ErrorId, Parse? LastGood);

    /// <summary>Adds the DAG and import-error routes to <paramref name="server"/>, reading DAG files below <paramref name="dagsRoot"/>.</summary>
    public static AirflowDagFolder Serve(WireMockServer server, string dagsRoot, TimeProvider? time = null)
    {
        var folder = new AirflowDagFolder(dagsRoot, time ?? TimeProvider.System);
        server.Given(Request.Create().WithPath(new RegexMatcher("^/api/v1/dags/[^/~]+$")).UsingMethod("GET", "PATCH"))
            .AtPriority(Priority)
            .RespondWith(Response.Create().WithCallback(folder.Dag));
        server.Given(Request.Create().WithPath("/api/v1/importErrors").UsingGet())
            .AtPriority(Priority)
            .RespondWith(Response.Create().WithCallback(folder.ImportErrors));
        return folder;
    }

    /// <summary>The file Airflow would list for <paramref name="dagId"/> (<c>users/user_…/{dag_id}.py</c>), or null.</summary>
    public string? FileOf(string dagId) =>
        Directory.Exists(_root) ? Directory.EnumerateFiles(_root, dagId + ".py", SearchOption.AllDirectories).FirstOrDefault() : null;

    private IResponseMessage Dag(IRequestMessage request)
    {
        var dagId = Uri.UnescapeDataString(request.AbsolutePath.Split('/')[^1]);
        lock (_lock)
        {
            Refresh();
            var path = FileOf(dagId);
            var parse = path is null ? null : _files.GetValueOrDefault(path);
            var parsed = parse is { Result.Ok: true } ? parse : parse?.LastGood;
            if (parsed is null)
            {
                return Respond(404, "application/problem+json", RecordedAirflow.Body("03-get-dag-before-parse-404.json", dagId, "unused"));
            }

            if (request.Method == "PATCH" && JsonNode.Parse(request.Body ?? "{}")?["is_paused"] is { } paused)
            {
                _paused[dagId] = paused.GetValue<bool>();
            }

            var dag = RecordedAirflow.Body("05-get-dag.json", dagId, "unused").AsObject();
            dag["dag_display_name"] = DisplayName(parsed.Result) ?? dagId;
            dag["fileloc"] = path;
            dag["file_token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(path))).TrimEnd('=').Replace('+', '-').Replace('/', '_') + ".signature-redacted";
            dag["has_import_errors"] = !parse!.Result.Ok;
            dag["is_paused"] = _paused.GetValueOrDefault(dagId, true);
            dag["last_parsed_time"] = Iso(parsed.At);
            return Respond(200, "application/json", dag);
        }
    }

    private IResponseMessage ImportErrors(IRequestMessage request)
    {
        lock (_lock)
        {
            Refresh();
            var errors = _files.Where(f => !f.Value.Result.Ok).OrderBy(f => f.Value.ErrorId).Select(f => (JsonNode)new JsonObject
            {
                ["filename"] = f.Key,
                ["import_error_id"] = f.Value.ErrorId,
                ["stack_trace"] = f.Value.Result.StackTrace,
                ["timestamp"] = Iso(f.Value.At),
            }).ToList();
            var offset = QueryNumber(request, "offset") ?? 0;
            var limit = QueryNumber(request, "limit") ?? 100;
            return Respond(200, "application/json", new JsonObject
            {
                ["import_errors"] = new JsonArray([.. errors.Skip(offset).Take(limit).Select(e => e.DeepClone())]),
                ["total_entries"] = errors.Count,
            });
        }
    }

    /// <summary>Imports every new or changed file in one batch; forgets removed ones, as Airflow's folder scan does.</summary>
    private void Refresh()
    {
        var present = Directory.Exists(_root)
            ? Directory.EnumerateFiles(_root, "*.py", SearchOption.AllDirectories).Where(p => !p.Contains("__pycache__", StringComparison.Ordinal)).ToList()
            : [];
        foreach (var gone in _files.Keys.Except(present).ToList())
        {
            _files.Remove(gone);
        }

        var changed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in present)
        {
            var hash = Hash(path);
            if (hash is not null && _files.GetValueOrDefault(path)?.Hash != hash)
            {
                changed[path] = hash;
            }
        }

        if (changed.Count == 0)
        {
            return;
        }

        var results = StrictAirflow.ImportFiles("2.10", [.. changed.Keys]);
        var at = _time.GetUtcNow();
        foreach (var (path, hash) in changed)
        {
            var before = _files.GetValueOrDefault(path);
            var lastGood = before is { Result.Ok: true } ? before : before?.LastGood;
            _files[path] = new Parse(hash, at, results[path], ++_nextErrorId, lastGood is null ? null : lastGood with { LastGood = null });
        }
    }

    private static int? QueryNumber(IRequestMessage request, string name) =>
        request.Query?.TryGetValue(name, out var values) == true && int.TryParse(values.FirstOrDefault(), CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string? Hash(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (IOException)
        {
            return null; // being replaced right now: the next look sees the new file
        }
    }

    private static string? DisplayName(DagImport result) =>
        result.Dags.Count == 1 && result.Dag.GetProperty("kwargs").TryGetProperty("dag_display_name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;

    /// <summary>Airflow's timestamps: ISO 8601 with microseconds and <c>+00:00</c>.</summary>
    private static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    private static ResponseMessage Respond(int status, string contentType, JsonNode body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new(contentType) },
        BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };
}
