using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Infrastructure;

/// <summary>The public contract is frozen in files: changing it means updating them in the same commit.</summary>
public sealed class PublicContractTests
{
    [Test]
    public async Task The_served_OpenAPI_document_matches_the_committed_one()
    {
        var served = JsonNode.Parse(await ApiFixture.Factory.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var path = RepositoryRoot.Combine("docs", "openapi.json");
        var pretty = served.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, pretty);
        }

        Assert.That(File.Exists(path), Is.True, "docs/openapi.json is missing: run the tests once with UPDATE_OPENAPI=1");
        Assert.That(JsonNode.DeepEquals(served, JsonNode.Parse(await File.ReadAllTextAsync(path))), Is.True,
            "The API's OpenAPI document changed. If that is intended, run `UPDATE_OPENAPI=1 make test-dotnet` and commit docs/openapi.json.");
    }

    [Test]
    public async Task A_number_is_a_JSON_number_as_the_document_says_not_a_string()
    {
        var user = await TestUser.SignUpAsync();

        var asString = await user.Client.PostAsJsonAsync("/tokens", new { name = "ci", maxRole = "view", expiresInDays = "30" });
        var asNumber = await user.Client.PostAsJsonAsync("/tokens", new { name = "ci", maxRole = "view", expiresInDays = 30 });
        var document = JsonNode.Parse(await ApiFixture.Factory.CreateClient().GetStringAsync("/openapi/v1.json"))!;

        Assert.That(asString.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await asString.Content.ReadAsStringAsync());
        Assert.That((await asString.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32(), Is.EqualTo(400), "a ProblemDetails answer");
        Assert.That(asNumber.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(document["components"]!["schemas"]!["CreateTokenRequest"]!["properties"]!["expiresInDays"]!["type"]!.GetValue<string>(), Is.EqualTo("integer"));
    }

    [Test]
    public async Task The_served_workflow_schema_is_the_committed_one()
    {
        var served = await ApiFixture.Factory.CreateClient().GetStringAsync("/schemas/workflow.v1.json");
        var committed = await File.ReadAllTextAsync(RepositoryRoot.Combine("backend", "WorkflowControl.Core", "Workflows", "workflow.v1.schema.json"));

        Assert.That(served, Is.EqualTo(committed));
    }
}
