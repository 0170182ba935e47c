using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Features.Workflows;

/// <summary>
/// Random and mutated workflow documents through the real HTTP pipeline (create, import, update, validate): none
/// answers 500, every accepted one reads back, renders, and its DAG file compiles. Seeded and bounded, so a
/// failure repeats (WFC_FUZZ_SEED picks another seed to explore).
/// </summary>
public sealed class WorkflowFuzzTests
{
    private const int DocumentCount = 400;

    private static readonly string[] HostileTexts =
    [
        "say \"hi\"", "\"\"\" closed? \"\"\"", "''' x '''", "C:\\temp\\", "\\n \\x00 \\N{BULLET}", "a\r\nb", "x\")\nimport os\n#",
        "a\u2028b\u2029c\u0085", "abc\u202edcba\u202c", "a\u200bb\ufeff", "\u0001\u001b[31m\u007f\u0080\u009f", "📈😀👩‍👩‍👧‍👦", "𝔘𠀀\U000F0001",
        "{{ ''.__class__ }}", "{% raw %}", "{{ ds }} {{ params.region }}", "notes.md", "{__import__('os')}", "",
    ];

    private static readonly string[] Schedules =
    [
        "@daily", "@hourly", "@once", "@weekly", "@quarterly", "@fortnightly", "@midnight", "*/15 6-18 * * 1-5", "0 6 * * MON-FRI",
        "0 0 L * *", "0 0 LW * *", "0 0 * * 5L", "0 0 L-3 * *", "0 0 15W * *", "0 0 1w * *", "0 0 31 2 *", "0 0 29 2 *", "H 0 * * *",
        "0 0 * * 5#3", "0 0 ? * *", "0 0 0 * * *", "0 0 0 * * * 2030", "61 * * * *", "0 22-2 * * *", "5/15 * * * *", "*/0 * * * *",
        "0 0 31 4,6,9,11 *", "0 0 13 * 5", "0\t0 * * *", " 0 0 * * * ", "", "* * * * *",
    ];

    private static readonly string[] Zones =
    [
        "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Europe//Berlin", "Etc//UTC", "Europe///Berlin", "right/UTC",
        "posix/Europe/Berlin", "US/Eastern", "CET", "europe/berlin", "Mars/Olympus", "../../etc/passwd", "", "Europe/Berlin\u0000",
    ];

    private static readonly string[] ValidSchedules = ["@daily", "@hourly", "@once", "*/15 6-18 * * 1-5", "0 6 * * MON-FRI", "0 0 29 2 *", "0 0 13 * 5", "* * * * *"];

    private static readonly string[] ValidZones = ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Pacific/Chatham"];

    private Random _random = null!;

    /// <summary>A document meant to be accepted: hostile text, extreme but allowed numbers and depth, nothing refused.</summary>
    private bool _clean;
    private readonly List<(string Marker, byte[] Raw)> _raw = [];
    private TestUser _user = null!;

    [OneTimeSetUp]
    public async Task SignUp() => _user = await TestUser.SignUpAsync();

    [Test]
    public async Task Random_and_mutated_documents_never_get_a_500_and_every_accepted_one_renders_and_compiles()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("WFC_FUZZ_SEED"), CultureInfo.InvariantCulture, out var chosen) ? chosen : 13;
        _random = new Random(seed);
        var updated = await _user.CreateWorkflowAsync();
        var updatedId = updated.GetProperty("id").GetGuid();
        var version = updated.GetProperty("version").GetInt32();
        var statuses = new Dictionary<int, int>();
        var accepted = new List<(string Key, WorkflowDocument Document, Guid Id, int Version)>();

        for (var i = 0; i < DocumentCount; i++)
        {
            var body = NextBody();
            var endpoint = i % 4;
            using var response = endpoint switch
            {
                0 => await PostAsync("/workflows", body),
                1 => await PostAsync("/workflows/import", body),
                2 => await PostAsync("/workflows/validate", body),
                _ => await PutAsync(updatedId, version, body),
            };
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.That(status, Is.LessThan(500), $"document {i} (seed {seed}) answered {status}: {text}\n{Preview(body)}");
            if (status == 400)
            {
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
            }

            if (response.IsSuccessStatusCode)
            {
                accepted.Add(await AcceptedAsync(i, endpoint, body, text));
                if (endpoint == 3)
                {
                    version = accepted[^1].Version;
                }
            }
        }

        TestContext.Out.WriteLine($"seed {seed}: answers {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.That(accepted, Has.Count.GreaterThan(DocumentCount / 20), "the fuzzer must also produce documents that are accepted");
        Assert.That(statuses.GetValueOrDefault(400), Is.GreaterThan(DocumentCount / 4), "and many that are refused");

        var renderer = new DagRenderer();
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, document, id, documentVersion) in accepted)
        {
            try
            {
                files[key] = renderer.Render(document, id, new DagOwner(_user.Id, "Fuzz Tester"), documentVersion).Content;
            }
            catch (DagRenderException e)
            {
                Assert.Fail($"{key} (seed {seed}) was accepted but does not render: {e.Message}\n{WorkflowJson.Serialize(document)[..Math.Min(2000, WorkflowJson.Serialize(document).Length)]}");
            }
        }

        var failures = Python.CompileFailuresOf(files);
        Assert.That(failures, Is.Empty, $"accepted documents whose DAG file does not compile (seed {seed})");
        foreach (var generation in StrictAirflow.Generations)
        {
            var refused = StrictAirflow.Import(generation, files).Where(i => !i.Value.Ok).Select(i => $"{i.Key}: {i.Value}");
            Assert.That(refused, Is.Empty, $"accepted documents whose DAG file Airflow {generation} would refuse (seed {seed})");
        }
    }

    private async Task<(string, WorkflowDocument, Guid, int)> AcceptedAsync(int index, int endpoint, byte[] body, string answer)
    {
        var key = $"document {index}";
        if (endpoint == 2)
        {
            // validate stores nothing: what it accepted is what was sent
            return (key, JsonSerializer.Deserialize<WorkflowDocument>(body, WorkflowJson.Options)!, Guid.NewGuid(), 1);
        }

        var detail = JsonDocument.Parse(answer).RootElement;
        var id = detail.GetProperty("id").GetGuid();
        var read = await _user.Client.GetAsync($"/workflows/{id}");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{key} was saved but cannot be read back: {await read.Content.ReadAsStringAsync()}");
        var stored = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("document");
        return (key, stored.Deserialize<WorkflowDocument>(WorkflowJson.Options)!, id, detail.GetProperty("version").GetInt32());
    }

    private Task<HttpResponseMessage> PostAsync(string path, byte[] body) => _user.Client.PostAsync(path, Content(body));

    private Task<HttpResponseMessage> PutAsync(Guid id, int version, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/workflows/{id}") { Content = Content(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        return _user.Client.SendAsync(request);
    }

    private static ByteArrayContent Content(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static string Preview(byte[] body) => Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 1500));

    /// <summary>A document: mostly well-formed with random values, some with raw bytes no writer makes, some garbled.</summary>
    private byte[] NextBody()
    {
        _raw.Clear();
        _clean = Chance(0.4);
        var bytes = Encoding.UTF8.GetBytes(RandomDocument().ToJsonString());
        foreach (var (marker, raw) in _raw)
        {
            bytes = Replace(bytes, Encoding.UTF8.GetBytes($"\"{marker}\""), raw);
        }

        return Hostile(0.05) ? Garble(bytes) : bytes;
    }

    private JsonObject RandomDocument()
    {
        var tasks = new JsonArray();
        var count = _random.Next(0, 5);
        for (var t = 0; t < count; t++)
        {
            var id = Hostile(0.05) ? Pick(["Bad-Id", "t0", "x y", "a\u00e9", ""]) : $"t{t}";
            var task = Chance(0.6)
                ? Documents.Task(id, "test.any", new JsonObject { ["options"] = Value(Chance(0.1) ? _random.Next(30, _clean ? 43 : 60) : _random.Next(0, 4)) })
                : Documents.Task(id, t == 0 ? "test.source" : "test.step", t == 0 ? new JsonObject { ["path"] = Text(minLength: 1) } : new JsonObject { ["expression"] = Text() }, t == 0 ? [] : [$"t{t - 1}"]);
            tasks.Add(task);
        }

        var document = new JsonObject
        {
            ["apiVersion"] = "workflowcontrol.io/v1",
            ["kind"] = "Workflow",
            ["metadata"] = new JsonObject
            {
                ["name"] = Hostile(0.1) ? Value(1) : Text(minLength: 1, maxLength: 200),
                ["description"] = Chance(0.5) ? Text(maxLength: 20_000) : null,
                ["tags"] = new JsonArray([.. Enumerable.Range(0, _random.Next(0, 4)).Select(_ => (JsonNode?)Tag())]),
            },
            ["spec"] = new JsonObject
            {
                ["schedule"] = Chance(0.2) ? null : Pick(_clean ? ValidSchedules : Schedules),
                ["timezone"] = Pick(_clean ? ValidZones : Zones),
                ["catchup"] = Chance(0.5),
                ["maxActiveRuns"] = Hostile(0.2) ? Number() : _random.Next(1, 5),
                ["params"] = Chance(0.7) ? new JsonObject() : new JsonObject { ["p"] = _clean ? new JsonObject { ["type"] = "number", ["default"] = Number() } : new JsonObject { ["type"] = Pick(["string", "integer", "number", "boolean", "date"]), ["default"] = Value(0) } },
                ["defaults"] = new JsonObject { ["retries"] = Hostile(0.1) ? Number() : _random.Next(0, 4), ["retryDelaySeconds"] = 300 },
                ["tasks"] = tasks,
            },
            ["layout"] = new JsonObject { ["nodes"] = new JsonObject { ["t0"] = new JsonObject { ["x"] = Chance(0.9) ? _random.Next(-500, 500) : Number(), ["y"] = 0 } } },
        };
        if (Hostile(0.05))
        {
            document[Pick(["ownerId", "runAs", "__proto__"])] = "x";
        }

        if (count == 0)
        {
            ((JsonObject)document["layout"]!["nodes"]!).Clear();
        }

        return document;
    }

    private JsonNode? Value(int depth)
    {
        if (depth > 0 && Chance(0.9))
        {
            if (Chance(0.5))
            {
                var array = new JsonArray();
                for (var i = Children(depth); i > 0; i--)
                {
                    array.Add(Value(depth - 1));
                }

                return array;
            }

            var obj = new JsonObject();
            string? previous = null;
            for (var i = Children(depth); i > 0; i--)
            {
                // Now and then the same key twice, or a key that is not valid text: tokens no JSON writer makes.
                var key = previous is not null && Hostile(0.1) ? Raw(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(previous)))
                    : Hostile(0.1) ? Raw(BadString())
                    : Text();
                if (!obj.ContainsKey(key))
                {
                    obj[key] = Value(depth - 1);
                    previous = key.StartsWith("@@", StringComparison.Ordinal) ? previous : key;
                }
            }

            return obj;
        }

        return _random.Next(5) switch
        {
            0 => Text(),
            1 => Number(),
            2 => Chance(0.5),
            3 => null,
            _ => Hostile(0.3) ? Raw(BadString()) : Text(),
        };
    }

    /// <summary>Deep values are chains of one child, so depth never multiplies into size.</summary>
    private int Children(int depth) => depth > 4 ? 1 : _random.Next(1, 3);

    /// <summary>A number, sometimes one Python, Airflow or a 64-bit float cannot hold, or written as 1.0.</summary>
    private JsonNode Number() => _clean ? AllowedNumber() : _random.Next(10) switch
    {
        0 => Raw(Pick(["1e400", "-1e309", "1e309", "1E+308", "2e308", "1e29", "-8e28", "7.9e28", "-0.0", "5e-324", "1e-400", "1.0", "3.0e0", "0.1"])),
        1 => Raw((Chance(0.5) ? "-" : "") + "7" + new string('0', Pick([18, 27, 28, 29, 300, 4300, 5000]))),
        2 => double.MaxValue,
        3 => long.MaxValue,
        _ => _random.Next(-1000, 1000) + (Chance(0.3) ? 0.5 : 0),
    };

    /// <summary>Extremes that are allowed: the largest magnitude, the smallest, negative zero, 29-digit integers.</summary>
    private JsonNode AllowedNumber() => _random.Next(5) switch
    {
        0 => Raw(Pick(["7.9e28", "-7.9e28", "79228162514264337593543950335", "-0.0", "5e-324", "1e-400", "0.1", "1e-7"])),
        1 => long.MinValue,
        _ => _random.Next(-1000, 1000) + (Chance(0.3) ? 0.25 : 0),
    };

    private string Text(int minLength = 0, int maxLength = int.MaxValue)
    {
        var text = _random.Next(6) switch
        {
            0 => new string('x', Pick([1, 200, 5000, 60_000])),
            1 or 2 => Pick(HostileTexts),
            _ => $"v{_random.Next(1000)}",
        };
        return text.Length < minLength ? "x" : text.Length > maxLength && _clean ? text[..maxLength] : text;
    }

    private JsonNode Tag() => _clean ? Pick(["sales", "daily", "📈 growth", "a\u2028b", new string('t', 50)]) : _random.Next(8) switch
    {
        0 => $"owner:{Guid.NewGuid()}",
        1 => Pick(["workflowcontrol", "WorkflowControl", " owner:x"]),
        2 => new string('t', Pick([50, 51, 100])),
        _ => $"tag{_random.Next(100)}",
    };

    /// <summary>A JSON string token (quotes included) that is not valid text: invalid UTF-8 or an unpaired surrogate.</summary>
    private byte[] BadString() => Pick<byte[]>(
    [
        [0x22, 0x61, 0xFF, 0x22], [0x22, 0xC0, 0xA2, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22],
        [0x22, 0xE2, 0x82, 0x22], .. new[] { "\"a\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\ud800\"", "\"\\uDBFF\"" }.Select(Encoding.UTF8.GetBytes),
    ]);

    /// <summary>A placeholder string whose JSON token is replaced by <paramref name="raw"/> after serialization.</summary>
    private string Raw(byte[] raw)
    {
        var marker = $"@@{_raw.Count}@@";
        _raw.Add((marker, raw));
        return marker;
    }

    private JsonNode Raw(string raw) => Raw(Encoding.UTF8.GetBytes(raw)); // a number's text, placed as is

    /// <summary>Cut short, a byte flipped, or a key doubled at the top.</summary>
    private byte[] Garble(byte[] bytes) => _random.Next(3) switch
    {
        0 => bytes[.._random.Next(bytes.Length)],
        1 => [.. bytes[..(bytes.Length / 2)], (byte)_random.Next(256), .. bytes[(bytes.Length / 2 + 1)..]],
        _ => Replace(bytes, "{\"apiVersion\""u8.ToArray(), "{\"kind\":\"Workflow\",\"apiVersion\""u8.ToArray()),
    };

    private static byte[] Replace(byte[] bytes, byte[] find, byte[] with)
    {
        var at = bytes.AsSpan().IndexOf(find);
        return at < 0 ? bytes : [.. bytes.AsSpan(0, at), .. with, .. bytes.AsSpan(at + find.Length)];
    }

    private bool Chance(double p) => _random.NextDouble() < p;

    private bool Hostile(double p) => !_clean && Chance(p);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
