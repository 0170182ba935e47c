using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace WorkflowControl.Api.Tests.Infrastructure;

/// <summary>Whatever a request body holds, no endpoint that reads one answers 500 (issue #13).</summary>
public sealed class HostileBodiesTests
{
    private const string Marker = "@@MARK@@";

    /// <summary>Raw tokens put in place of one string value of a valid body.</summary>
    private static readonly (string Name, byte[] Raw)[] Tokens =
    [
        ("a lone surrogate escape", Encoding.UTF8.GetBytes("\"a\\ud800\"")),
        ("a raw FF byte", [0x22, 0x61, 0xFF, 0x22]),
        ("an overlong sequence", [0x22, 0xC0, 0xA2, 0x22]),
        ("an encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22]),
        ("1e400", Encoding.UTF8.GetBytes("1e400")),
        ("a 5,000-digit integer", Encoding.UTF8.GetBytes("9" + new string('0', 5000))),
        ("an object with a duplicate key", Encoding.UTF8.GetBytes("{\"a\":1,\"a\":2}")),
        ("deep nesting", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000))),
        ("an unfinished token", Encoding.UTF8.GetBytes("\"abc")),
        ("a NUL escape", Encoding.UTF8.GetBytes("\"a\\u0000b\"")),
    ];

    private TestUser _user = null!;
    private Guid _workflow;

    [OneTimeSetUp]
    public async Task CreateOne()
    {
        _user = await TestUser.SignUpAsync();
        var document = Documents.Simple();
        document["spec"]!["params"] = new JsonObject
        {
            ["day"] = new JsonObject { ["type"] = "date", ["default"] = "2026-01-01" },
            ["n"] = new JsonObject { ["type"] = "number", ["default"] = 1 },
            ["s"] = new JsonObject { ["type"] = "string", ["default"] = "x" },
        };
        _workflow = await _user.CreateWorkflowIdAsync(document);
        // Deployed, so a run's parameters are read (an undeployed workflow refuses a run before looking at them).
        var deployed = await _user.Client.PostAsync($"/workflows/{_workflow}/deployments", TestUser.Json(new JsonObject()));
        Assert.That((int)deployed.StatusCode, Is.EqualTo(201), await deployed.Content.ReadAsStringAsync());
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        var endpoints = new (string Method, string Path, string Body)[]
        {
            ("POST", "/auth/signup", $"{{\"email\":\"{Marker}\",\"password\":\"correct horse battery\"}}"),
            ("POST", "/auth/signup", $"{{\"email\":\"x@example.com\",\"password\":\"correct horse battery\",\"displayName\":\"{Marker}\"}}"),
            ("POST", "/auth/signin", $"{{\"email\":\"{Marker}\",\"password\":\"p\"}}"),
            ("POST", "/auth/signin", $"{{\"email\":\"x@example.com\",\"password\":\"{Marker}\"}}"),
            ("POST", "/tokens", $"{{\"name\":\"{Marker}\",\"maxRole\":\"view\"}}"),
            ("POST", "/organisations", $"{{\"name\":\"{Marker}\"}}"),
            ("POST", "/workflows/{id}/collaborators", $"{{\"email\":\"{Marker}\",\"role\":\"view\"}}"),
            ("POST", "/workflows/{id}/runs", $"{{\"params\":{{\"day\":\"{Marker}\"}}}}"),
            ("POST", "/workflows/{id}/runs", $"{{\"params\":{{\"n\":\"{Marker}\"}}}}"),
            ("POST", "/workflows/{id}/runs", $"{{\"params\":{{\"s\":\"{Marker}\"}}}}"),
            ("POST", "/workflows/{id}/runs", $"{{\"params\":{{\"{Marker}\":1}}}}"),
            ("POST", "/workflows/{id}/deployments", $"{{\"version\":\"{Marker}\"}}"),
            ("POST", "/workflows/{id}/render", $"{{\"version\":\"{Marker}\"}}"),
            ("POST", "/workflows/{id}/pause", $"{{\"paused\":\"{Marker}\"}}"),
            ("POST", "/workflows/{id}/tasks/extract/preview", $"{{\"limit\":\"{Marker}\"}}"),
        };
        foreach (var (method, path, body) in endpoints)
        {
            foreach (var (name, raw) in Tokens)
            {
                yield return new TestCaseData(method, path, body, raw).SetName($"{method} {path} with {name} in {body.Replace(Marker, "…", StringComparison.Ordinal)} is not a 500");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Never_a_500(string method, string path, string body, byte[] raw)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var marker = Encoding.UTF8.GetBytes($"\"{Marker}\"");
        var at = bytes.AsSpan().IndexOf(marker);
        byte[] hostile = [.. bytes.AsSpan(0, at), .. raw, .. bytes.AsSpan(at + marker.Length)];
        var content = new ByteArrayContent(hostile);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await _user.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", _workflow.ToString(), StringComparison.Ordinal)) { Content = content });
        var answer = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.LessThan(500), answer);
    }

    [TestCase("\"a\\ud800\"", "unpaired surrogate")]
    [TestCase("1e400", "out of range")]
    [TestCase("\"a\\u0000\"", "NUL")]
    public async Task A_run_parameter_a_saved_default_could_not_hold_is_refused_at_its_pointer(string value, string because)
    {
        var content = new StringContent($"{{\"params\":{{\"n\":{value}}}}}", Encoding.UTF8, "application/json");

        var response = await _user.Client.PostAsync($"/workflows/{_workflow}/runs", content);
        var problem = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(400), problem);
        Assert.That(problem, Does.Contain("\"pointer\":\"/params/n\"").And.Contain(because));
    }
}
