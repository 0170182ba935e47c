using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using WorkflowControl.Testing;

namespace WorkflowControl.Dags.Tests.Running;

/// <summary>
/// Every golden workflow, run through its generated DAG file per step and fused, in the strict double of each Airflow
/// generation, on the same input data: both succeed and leave byte-identical outputs (exports, charts, reports,
/// models, downloaded files, rows loaded into PostgreSQL, e-mails sent), and the intermediate tables a fused run writes
/// (those another Airflow task reads) are the bytes the per-step run wrote. A case's data and servers are in <c>cases/NNN-name.run/</c> (see
/// <see cref="GoldenRun"/>).
/// </summary>
[TestFixtureSource(typeof(StrictAirflow), nameof(StrictAirflow.Generations))]
public sealed class FusedEquivalenceTests(string generation)
{
    public static IEnumerable<string> Cases() => GoldenCases.Names().Where(n => File.Exists(GoldenCases.ExpectedPath(n)));

    [TestCaseSource(nameof(Cases))]
    public async Task Per_step_and_fused_runs_give_identical_outputs(string name)
    {
        var golden = GoldenRun.Of(name);
        var perStep = await golden.RunAsync(generation, "per-step");
        var fused = await golden.RunAsync(generation, "fused");

        Assert.That(fused.Outputs.Keys.Where(IsOutput), Is.EqualTo(perStep.Outputs.Keys.Where(IsOutput)), "the same output files");
        Assert.That(fused.Outputs.Keys.Where(IsTable), Is.SubsetOf(perStep.Outputs.Keys.Where(IsTable)), "a fused group writes only the tables other tasks read");
        foreach (var (file, bytes) in fused.Outputs)
        {
            Assert.That(bytes, Is.EqualTo(perStep.Outputs[file]), $"{file} byte for byte (per step: {perStep.Outputs[file].Length} bytes, fused: {bytes.Length})");
        }

        Assert.That(fused.Tables, Is.EqualTo(perStep.Tables), "rows loaded into PostgreSQL");
        Assert.That(fused.Mail, Is.EqualTo(perStep.Mail), "e-mails sent");
        Assert.That(fused.Tasks, Is.LessThanOrEqualTo(perStep.Tasks), "never more Airflow tasks fused");
        if (perStep.Tasks > 0)
        {
            Assert.That(perStep.Outputs.Keys.Count(IsOutput) + perStep.Tables.Count + perStep.Mail.Count, Is.GreaterThan(0), "a case with steps leaves something to compare");
        }
    }

    /// <summary>An intermediate table: every step's per step, only those another task reads fused (the rest stay in memory).</summary>
    private static bool IsTable(string file) => file.EndsWith(".wct", StringComparison.Ordinal);

    private static bool IsOutput(string file) => !IsTable(file);
}

/// <summary>What one run left behind that a user sees.</summary>
public sealed record RunOutputs(SortedDictionary<string, byte[]> Outputs, IReadOnlyList<string> Tables, IReadOnlyList<string> Mail, int Tasks);

/// <summary>
/// One golden case's run data: <c>files/</c> (copied into the owner's files folder) and <c>run.json</c>:
/// <c>conf</c> (the run's configuration), <c>servers</c> (see <c>airflow/tests/source_servers.py</c>),
/// <c>replace</c> (text in the workflow replaced, e.g. a public address by the local server's), <c>secrets</c>,
/// <c>database</c> (SQL run in a fresh database of each run, whose address is <c>{database}</c>) and <c>tables</c>
/// (dumped after the run). In replacements and secrets, <c>{http}</c>, <c>{sftp_port}</c>, <c>{sftp_host_key}</c>,
/// <c>{ftp_port}</c>, <c>{smtp_port}</c> and <c>{database}</c> name what the servers and the database answered.
/// A case without a folder runs with no data.
/// </summary>
public sealed class GoldenRun
{
    private static readonly ConcurrentDictionary<string, GoldenRun> Started = new(StringComparer.Ordinal);
    private static readonly Lazy<bool> HasPyarrow = new(() => Python.Run(["-c", "import pyarrow"]).Exit == 0);

    private readonly string _name;
    private readonly string _folder;
    private readonly JsonElement _run;
    private readonly SourceServers? _servers;

    private GoldenRun(string name)
    {
        _name = name;
        _folder = Path.Combine(GoldenCases.Directory, name + ".run");
        _run = File.Exists(Path.Combine(_folder, "run.json"))
            ? JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "run.json"))).RootElement.Clone()
            : JsonDocument.Parse("{}").RootElement.Clone();
        _servers = _run.TryGetProperty("servers", out _) ? SourceServers.Start(_folder) : null;
    }

    /// <summary>The case's run data, its servers started on first use and shared by every run of the case.</summary>
    public static GoldenRun Of(string name) => Started.GetOrAdd(name, n => new GoldenRun(n));

    public static void StopAll()
    {
        foreach (var run in Started.Values)
        {
            run._servers?.Dispose();
        }

        Started.Clear();
    }

    public async Task<RunOutputs> RunAsync(string generation, string execution)
    {
        using var sandbox = new DagRunSandbox();
        var values = _servers is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : _servers.Ready.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal);
        string? database = null;
        if (_run.TryGetProperty("database", out var sql))
        {
            database = await GeneratedDagRunPostgres.Cluster.CreateDatabaseAsync("golden_" + Guid.NewGuid().ToString("N")[..12]);
            await ExecuteAsync(database, sql.GetString()!);
            var builder = new NpgsqlConnectionStringBuilder(database);
            values["database"] = $"postgresql://{builder.Username}@127.0.0.1:{builder.Port}/{builder.Database}";
        }

        CopyTree(Path.Combine(_folder, "files"), sandbox.Files);
        foreach (var secret in Entries("secrets"))
        {
            sandbox.Secret(secret.Name, Fill(secret.Value.GetString()!, values));
        }

        var run = sandbox.Run(generation, Workflow(execution, values), _run.TryGetProperty("conf", out var conf) ? conf : null);
        DagRunSandbox.AssertSucceeded(run);
        var tables = new List<string>();
        foreach (var table in _run.TryGetProperty("tables", out var names) ? names.EnumerateArray().Select(n => n.GetString()!) : [])
        {
            tables.Add(await DumpAsync(database!, table));
        }

        return new RunOutputs(Outputs(sandbox.SharedData), tables, _servers?.TakeMail() ?? [], run.RunTasks.Count);
    }

    /// <summary>The case's workflow in the given execution mode, its public addresses replaced by the local servers'.</summary>
    private string Workflow(string execution, IReadOnlyDictionary<string, string> values)
    {
        var json = GoldenCases.Json(_name);
        foreach (var replacement in Entries("replace"))
        {
            json = json.Replace(replacement.Name, Fill(replacement.Value.GetString()!, values), StringComparison.Ordinal);
        }

        if (!HasPyarrow.Value)
        {
            // Parquet exports need pyarrow, which this machine may lack; CSV exercises the same steps.
            json = json.Replace("\"format\": \"parquet\"", "\"format\": \"csv\"", StringComparison.Ordinal)
                .Replace(".parquet\"", ".csv\"", StringComparison.Ordinal);
        }

        var document = JsonNode.Parse(json)!;
        document["spec"]!["execution"] = execution;
        return document.ToJsonString();
    }

    private IEnumerable<JsonProperty> Entries(string name) =>
        _run.TryGetProperty(name, out var entries) ? entries.EnumerateObject() : [];

    private static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        values.Aggregate(text, (current, value) => current.Replace("{" + value.Key + "}", value.Value, StringComparison.Ordinal));

    /// <summary>
    /// Every file a run left under the shared data root, by path below it, except the fused groups' step records
    /// (<c>_steps/</c>, which hold timings).
    /// </summary>
    private static SortedDictionary<string, byte[]> Outputs(string root)
    {
        var outputs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var path in Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories) : [])
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (!relative.Split('/').Contains("_steps"))
            {
                outputs[relative] = File.ReadAllBytes(path);
            }
        }

        return outputs;
    }

    private static void CopyTree(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target);
        }
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A table's columns with their types, then its rows as JSON, sorted.</summary>
    private static async Task<string> DumpAsync(string database, string table)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var (schema, name) = table.Contains('.', StringComparison.Ordinal) ? (table.Split('.')[0], table.Split('.')[1]) : ("public", table);
        await using var columns = new NpgsqlCommand(
            "SELECT coalesce(string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position), '') FROM information_schema.columns WHERE table_schema = @schema AND table_name = @name", connection);
        columns.Parameters.AddWithValue("schema", schema);
        columns.Parameters.AddWithValue("name", name);
        var dump = new StringBuilder(table).Append(": ").Append(await columns.ExecuteScalarAsync()).Append('\n');
        await using var rows = new NpgsqlCommand($"SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), '') FROM (SELECT row_to_json(t)::text AS r FROM \"{schema}\".\"{name}\" t) x", connection);
        return dump.Append(await rows.ExecuteScalarAsync()).ToString();
    }
}

/// <summary>Stops the golden cases' servers after the last test.</summary>
[SetUpFixture]
public sealed class GoldenRunServers
{
    [OneTimeTearDown]
    public void Stop() => GoldenRun.StopAll();
}
