using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Api.Tests.Features.Workflows;

/// <summary>
/// Documents that used to answer 500, or were saved and then refused by Airflow at deploy, are refused on save with
/// 400 and a pointer to the field, alike on create, import, update and validate (regression tests for issue #13).
/// </summary>
public sealed class UnusableInputTests
{
    public enum Endpoint
    {
        Create,
        Import,
        Update,
        Validate,
    }

    /// <summary>One refused document: its raw bytes, the pointer the answer must name, and words its message must use.</summary>
    public sealed record Case(string Name, byte[] Body, string Pointer, string Because)
    {
        public override string ToString() => Name;
    }

    private const string Marker = "@@MARK@@";

    private TestUser _user = null!;
    private Guid _workflow;

    [OneTimeSetUp]
    public async Task SignUpAndCreateOne()
    {
        _user = await TestUser.SignUpAsync();
        _workflow = await _user.CreateWorkflowIdAsync();
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var c in AllCases())
        {
            foreach (var endpoint in Enum.GetValues<Endpoint>())
            {
                yield return new TestCaseData(endpoint, c).SetName($"{c.Name} is refused on {endpoint.ToString().ToLowerInvariant()}");
            }
        }
    }

    private static IEnumerable<Case> AllCases()
    {
        yield return new("A lone surrogate escape in the name", Raw(d => d["metadata"]!["name"] = Marker, "\"a\\ud800\""), "/metadata/name", "unpaired surrogate");
        yield return new("A lone low surrogate escape in a config key", Raw(d => d["spec"]!["tasks"]![0]!["config"] = new JsonObject { [Marker] = 1 }, "\"x\\udc00y\""), "/spec/tasks/0/config/x\\udc00y", "unpaired surrogate");
        yield return new("A raw FF byte in the name", Raw(d => d["metadata"]!["name"] = Marker, Bytes("\"a", 0xFF, "\"")), "/metadata/name", "not valid UTF-8");
        yield return new("An overlong C0 A2 sequence in the name", Raw(d => d["metadata"]!["name"] = Marker, Bytes("\"a", 0xC0, 0xA2, "\"")), "/metadata/name", "not valid UTF-8");
        yield return new("An encoded surrogate ED A0 80 in the name", Raw(d => d["metadata"]!["name"] = Marker, Bytes("\"a", 0xED, 0xA0, 0x80, "\"")), "/metadata/name", "not valid UTF-8");
        yield return new("Two schedule keys", Raw(d => d["spec"]!["schedule"] = Marker, "\"@daily\", \"schedule\": \"@hourly\""), "/spec/schedule", "appears more than once");
        yield return new("A duplicate key deep in a config", Raw(d => d["spec"]!["tasks"]![0]!["config"] = new JsonObject { ["path"] = Marker }, "\"a.csv\", \"path\": \"b.csv\""), "/spec/tasks/0/config/path", "appears more than once");
        yield return new("A hashed H schedule", Doc(d => d["spec"]!["schedule"] = "H 0 * * *"), "/spec/schedule", "'H' (hashed values) is not supported");
        yield return new("maxActiveRuns of 1e400", Raw(d => d["spec"]!["maxActiveRuns"] = Marker, "1e400"), "/spec/maxActiveRuns", "out of range");
        yield return new("maxActiveRuns of 1e29, past what the schema validation compares", Raw(d => d["spec"]!["maxActiveRuns"] = Marker, "1e29"), "/spec/maxActiveRuns", "out of range");
        yield return new("A layout coordinate of 1e309", Raw(d => d["layout"]!["nodes"]!["extract"]!["x"] = Marker, "1e309"), "/layout/nodes/extract/x", "out of range");
        yield return new("A parameter default of -1e309", Raw(d => d["spec"]!["params"] = new JsonObject { ["p"] = new JsonObject { ["type"] = "number", ["default"] = Marker } }, "-1e309"), "/spec/params/p/default", "out of range");
        yield return new("An integer of 4,301 digits", Raw(d => d["spec"]!["params"] = new JsonObject { ["p"] = new JsonObject { ["type"] = "integer", ["default"] = Marker } }, "9" + new string('0', 4300)), "/spec/params/p/default", "out of range");
        foreach (var (schedule, because) in new[]
        {
            ("0 0 LW * *", "'L' (last day)"), ("0 0 * * 5L", "'L' (last day)"), ("0 0 L-3 * *", "'L' (last day)"),
            ("0 0 15W * *", "'W' (nearest weekday)"), ("0 0 1w * *", "'W' (nearest weekday)"), ("0 0 31 2 *", "never fires"),
        })
        {
            yield return new($"The schedule {schedule}", Doc(d => d["spec"]!["schedule"] = schedule), "/spec/schedule", because);
        }

        foreach (var zone in new[] { "Europe//Berlin", "Etc//UTC", "Europe///Berlin", "right/UTC", "posix/Europe/Berlin" })
        {
            yield return new($"The time zone {zone}", Doc(d => d["spec"]!["timezone"] = zone), "/spec/timezone", "Unknown time zone");
        }

        yield return new("A user tag owner:<uuid>", Doc(d => d["metadata"]!["tags"] = new JsonArray("sales", $"owner:{Guid.NewGuid()}")), "/metadata/tags/1", "is reserved");
        yield return new("A user tag workflowcontrol", Doc(d => d["metadata"]!["tags"] = new JsonArray("WorkflowControl")), "/metadata/tags/0", "is reserved");
        yield return new("A config nested 58 levels", Deep(58), "/spec/tasks/2/config/options" + string.Concat(Enumerable.Repeat("/a", 43)), "nests deeper than the limit of 48 levels");
        yield return new("Retries of 1.0", Raw(d => d["spec"]!["defaults"] = new JsonObject { ["retries"] = Marker }, "1.0"), "/spec/defaults/retries", "whole number");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Refused_with_a_pointer_to_the_field(Endpoint endpoint, Case refused)
    {
        var response = await SendAsync(endpoint, refused.Body);
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problems = JsonDocument.Parse(body).RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => (Pointer: p.GetProperty("pointer").GetString(), Message: p.GetProperty("message").GetString()!)).ToList();
        Assert.That(problems, Has.Some.Matches<(string? Pointer, string Message)>(p => p.Pointer == refused.Pointer && p.Message.Contains(refused.Because, StringComparison.Ordinal)), body);
    }

    [Test]
    public async Task A_config_at_the_depth_limit_is_saved_read_back_and_rendered()
    {
        var created = await SendAsync(Endpoint.Create, Deep(43));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var read = await _user.Client.GetAsync($"/workflows/{id}");
        var rendered = await _user.Client.PostAsJsonAsync($"/workflows/{id}/render", new { });

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), await read.Content.ReadAsStringAsync());
        Assert.That(rendered.StatusCode, Is.EqualTo(HttpStatusCode.OK), await rendered.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendAsync(Endpoint endpoint, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (endpoint != Endpoint.Update)
        {
            var path = endpoint switch { Endpoint.Create => "/workflows", Endpoint.Import => "/workflows/import", _ => "/workflows/validate" };
            return await _user.Client.PostAsync(path, content);
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/workflows/{_workflow}") { Content = content };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        return await _user.Client.SendAsync(request);
    }

    /// <summary>A valid document with a step of free-form options nested <paramref name="levels"/> objects deep below them.</summary>
    private static byte[] Deep(int levels)
    {
        JsonNode options = 1;
        for (var i = 0; i < levels; i++)
        {
            options = new JsonObject { ["a"] = options };
        }

        return Doc(d => ((JsonArray)d["spec"]!["tasks"]!).Add(Documents.Task("deep", "test.any", new JsonObject { ["options"] = options })));
    }

    private static byte[] Doc(Action<JsonObject> change)
    {
        var document = Documents.Simple();
        change(document);
        return Encoding.UTF8.GetBytes(document.ToJsonString());
    }

    /// <summary>A document whose marked string is replaced by raw bytes no JSON writer would produce.</summary>
    private static byte[] Raw(Action<JsonObject> change, string raw) => Raw(change, Encoding.UTF8.GetBytes(raw));

    private static byte[] Raw(Action<JsonObject> change, byte[] raw)
    {
        var text = Doc(change);
        var marker = Encoding.UTF8.GetBytes($"\"{Marker}\"");
        var at = text.AsSpan().IndexOf(marker);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "the marker is in the document");
        return [.. text.AsSpan(0, at), .. raw, .. text.AsSpan(at + marker.Length)];
    }

    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(p => p is string s ? Encoding.UTF8.GetBytes(s) : [Convert.ToByte(p, System.Globalization.CultureInfo.InvariantCulture)])];
}
