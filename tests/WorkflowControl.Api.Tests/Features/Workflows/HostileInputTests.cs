using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Api.Tests.Features.Workflows;

/// <summary>Bad input gets a clear error that names the problem, and nothing is stored.</summary>
public sealed class HostileInputTests
{
    private TestUser _user = null!;

    [OneTimeSetUp]
    public async Task SignUp() => _user = await TestUser.SignUpAsync();

    [Test]
    public async Task A_NUL_character_is_refused_with_a_pointer_to_the_field()
    {
        var problems = await CreateExpectingProblems(Documents.Simple("bad\0name"));

        Assert.That(problems, Has.Some.EqualTo("/metadata/name: Text may not contain NUL characters (U+0000)."));
    }

    [Test]
    public async Task Thousand_deep_JSON_is_refused_naming_the_depth_limit()
    {
        var deep = new StringBuilder();
        deep.Append("{\"apiVersion\":\"workflowcontrol.io/v1\",\"kind\":\"Workflow\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"tasks\":[{\"id\":\"a\",\"type\":\"test.step\",\"config\":");
        deep.Append(string.Concat(Enumerable.Repeat("{\"a\":", 1000))).Append('1').Append(new string('}', 1000)).Append("}]}}");

        var response = await _user.Client.PostAsync("/workflows", new StringContent(deep.ToString(), Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("limit of 48 levels"));
    }

    [Test]
    public async Task A_50_MB_body_is_refused_with_413()
    {
        var huge = new ByteArrayContent(new byte[50 * 1024 * 1024]);
        huge.Headers.ContentType = new("application/json");

        var response = await _user.Client.PostAsync("/workflows", huge);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Unknown_fields_are_refused_by_name()
    {
        var document = Documents.Simple();
        document["ownerId"] = Guid.NewGuid().ToString();
        document["spec"]!["tasks"]![0]!["runAs"] = "root";

        var problems = await CreateExpectingProblems(document);

        Assert.That(problems, Has.Some.EqualTo("/ownerId: Unknown field 'ownerId'."));
        Assert.That(problems, Has.Some.EqualTo("/spec/tasks/0/runAs: Unknown field 'runAs'."));
    }

    [Test]
    public async Task Unknown_fields_in_other_request_bodies_are_refused_by_name()
    {
        var client = ApiFixture.Factory.CreateClient();

        var response = await client.PostAsJsonAsync("/auth/signup", new { email = $"x{Guid.NewGuid():N}@example.com", password = "long enough password", isAdmin = true });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("Unknown field 'isAdmin'."));
    }

    [Test]
    public async Task Ten_thousand_tasks_are_refused_naming_the_limit()
    {
        var problems = await CreateExpectingProblems(Documents.WithTasks(10_000));

        Assert.That(problems, Is.EqualTo(new[] { "/spec/tasks: A workflow may have at most 500 tasks; this one has 10,000." }));
    }

    [Test]
    public async Task Every_problem_is_reported_at_once_with_its_pointer()
    {
        var document = Documents.Simple();
        document["spec"]!["schedule"] = "61 * * * *";
        document["spec"]!["timezone"] = "Mars/Olympus";
        var tasks = (JsonArray)document["spec"]!["tasks"]!;
        tasks[0]!["config"] = new JsonObject { ["rows"] = 0 };
        tasks[0]!["dependsOn"] = new JsonArray("clean");
        tasks.Add(Documents.Task("Bad-Id", "nope.unknown", new JsonObject(), "ghost"));

        var problems = await CreateExpectingProblems(document);

        Assert.That(problems, Has.Some.StartsWith("/spec/schedule: The schedule '61 * * * *' is not accepted: The minute field '61'"));
        Assert.That(problems, Has.Some.StartsWith("/spec/timezone: Unknown time zone 'Mars/Olympus'"));
        Assert.That(problems, Has.Some.StartsWith("/spec/tasks/0/config: "), "missing required path");
        Assert.That(problems, Has.Some.StartsWith("/spec/tasks/0/config/rows: "), "rows below minimum");
        Assert.That(problems, Has.Some.StartsWith("/spec/tasks/2/id: Task id 'Bad-Id' is invalid"));
        Assert.That(problems, Has.Some.StartsWith("/spec/tasks/2/type: Unknown task type 'nope.unknown'"));
        Assert.That(problems, Has.Some.StartsWith("/spec/tasks/2/dependsOn/0: Task 'Bad-Id' depends on 'ghost'"));
        Assert.That(problems, Has.Some.Contains("form a cycle"));
    }

    [Test]
    public async Task Validate_endpoint_answers_what_create_would_without_storing_anything()
    {
        var document = Documents.Simple();
        document["spec"]!["tasks"]![1]!["dependsOn"] = new JsonArray();

        var response = await _user.Client.PostAsync("/workflows/validate", TestUser.Json(document));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var valid = await (await _user.Client.PostAsync("/workflows/validate", TestUser.Json(Documents.Simple()))).Content.ReadFromJsonAsync<JsonElement>();
        var list = await _user.Client.GetFromJsonAsync<JsonElement>("/workflows?search=Sales");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("problems")[0].GetProperty("message").GetString(), Does.Contain("needs 1 upstream task(s) (data); it has 0"));
        Assert.That(valid.GetProperty("valid").GetBoolean(), Is.True);
        Assert.That(list.GetProperty("total").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task Garbage_that_is_not_JSON_gets_a_400_problem()
    {
        var response = await _user.Client.PostAsync("/workflows", new StringContent("{\"apiVersion\": ", Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("The document is not valid JSON"));
        Assert.That(problem.ToString(), Does.Not.Contain("   at "), "no stack trace");
    }

    private async Task<List<string>> CreateExpectingProblems(JsonNode document)
    {
        var response = await _user.Client.PostAsync("/workflows", TestUser.Json(document));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        return JsonDocument.Parse(body).RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}")
            .ToList();
    }
}
