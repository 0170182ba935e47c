using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using WorkflowControl.Api.Infrastructure.RateLimiting;

namespace WorkflowControl.Api.Tests.Infrastructure.RateLimiting;

/// <summary>
/// Per-user and per-API-token budgets for reads, writes, triggers and previews, with small limits and fake time:
/// 429 with Retry-After and a ProblemDetails naming the limit, and the budget back once the window has passed.
/// </summary>
public sealed class ApiRateLimitTests
{
    private FakeTimeProvider _time = null!;
    private ApiFactory _api = null!;

    [OneTimeSetUp]
    public void Start()
    {
        // An hour behind: sessions issued after the tests move time on are still not "from the future" for the
        // token validation, which reads the real clock.
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(1));
        _api = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimits:Enabled"] = "true",
            ["RateLimits:Reads:Limit"] = "3",
            ["RateLimits:Writes:Limit"] = "3",
            ["RateLimits:Writes:Window"] = "00:10:00",
            ["RateLimits:Triggers:Limit"] = "1",
            ["RateLimits:Previews:Limit"] = "1",
        }, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)));
    }

    [OneTimeTearDown]
    public Task Stop() => _api.DisposeAsync().AsTask();

    [Test]
    public async Task Reads_past_the_budget_answer_429_naming_the_limit_and_are_served_again_after_Retry_After()
    {
        var user = await TestUser.SignUpAsync(_api);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await user.Client.GetAsync("/workflows")).StatusCode);
        }

        var refused = await user.Client.GetAsync("/workflows");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        _time.Advance(RetryAfter(refused));
        var again = await user.Client.GetAsync("/workflows");

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(RetryAfter(refused), Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(problem.GetProperty("limit").GetString(), Is.EqualTo("reads"));
        Assert.That(problem.GetProperty("type").GetString(), Is.EqualTo(ApiRateLimits.ProblemType));
        Assert.That(problem.GetProperty("requestId").GetString(), Is.EqualTo(refused.Headers.GetValues("X-Request-Id").Single()));
        Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("The 'reads' limit allows 3 requests per minute for each user"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a new window after waiting as long as Retry-After said");
    }

    [Test]
    public async Task Each_budget_is_counted_apart_so_spent_writes_leave_reads_alone()
    {
        var user = await TestUser.SignUpAsync(_api);
        for (var i = 0; i < 3; i++)
        {
            await user.CreateWorkflowIdAsync();
        }

        var refused = await user.Client.PostAsync("/workflows", TestUser.Json(Documents.Simple()));
        var read = await user.Client.GetAsync("/workflows");

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("limit").GetString(), Is.EqualTo("writes"));
        Assert.That(RetryAfter(refused), Is.GreaterThan(TimeSpan.FromMinutes(1)), "the writes window is ten minutes here");
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_user_and_each_of_their_API_tokens_have_budgets_of_their_own()
    {
        var user = await TestUser.SignUpAsync(_api);
        var created = await user.Client.PostAsJsonAsync("/tokens", new { name = "ci", maxRole = "view", expiresInDays = 1 });
        using var ci = _api.CreateClient();
        ci.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        var other = await TestUser.SignUpAsync(_api);
        for (var i = 0; i < 3; i++)
        {
            await user.Client.GetAsync("/workflows");
        }

        var refused = await user.Client.GetAsync("/workflows");
        var token = await ci.GetAsync("/workflows");
        var otherUser = await other.Client.GetAsync("/workflows");
        for (var i = 0; i < 2; i++)
        {
            await ci.GetAsync("/workflows");
        }

        var tokenRefused = await ci.GetAsync("/workflows");

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(token.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the token's budget is not its user's");
        Assert.That(otherUser.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(tokenRefused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await tokenRefused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain("for each API token"));
    }

    [Test]
    public async Task Triggers_and_previews_have_budgets_of_their_own()
    {
        var user = await TestUser.SignUpAsync(_api);
        var id = await user.CreateWorkflowIdAsync();

        var trigger = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        var secondTrigger = await user.Client.PostAsJsonAsync($"/workflows/{id}/runs", new { });
        var preview = await user.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });
        var secondPreview = await user.Client.PostAsJsonAsync($"/workflows/{id}/tasks/extract/preview", new { });
        var write = await user.Client.PostAsync($"/workflows/{id}/duplicate", null);

        Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "not deployed: refused by the endpoint, still counted");
        Assert.That(secondTrigger.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await secondTrigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("limit").GetString(), Is.EqualTo("triggers"));
        Assert.That(preview.StatusCode, Is.Not.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await secondPreview.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("limit").GetString(), Is.EqualTo("previews"));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Created), "triggers and previews do not spend writes");
    }

    [Test]
    public async Task Sign_in_health_and_the_OpenAPI_document_are_not_limited_here()
    {
        for (var i = 0; i < 5; i++)
        {
            await TestUser.SignUpAsync(_api);
        }

        var anonymous = _api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await anonymous.GetAsync("/health/live")).StatusCode);
            statuses.Add((await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        }

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK), "sign-up has the auth throttle; probes and the contract are free");
    }

    [Test]
    public void A_budget_without_permits_stops_the_start_naming_its_key()
    {
        var factory = new ApiFactory(ApiFixture.ConnectionString, new Dictionary<string, string?> { ["RateLimits:Triggers:Limit"] = "0" });

        var failure = Assert.Catch(() => factory.CreateClient());

        Assert.That(failure!.ToString(), Does.Contain("RateLimits:Triggers:Limit"));
        factory.Dispose();
    }

    [Test]
    public void Every_endpoint_named_in_the_budget_table_exists()
    {
        var names = _api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).OfType<string>().ToHashSet();

        Assert.That(ApiRateLimits.ByEndpointName.Keys, Is.SubsetOf(names), "an endpoint was renamed: update ApiRateLimits.ByEndpointName and docs/configuration.md");
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? throw new AssertionException($"no Retry-After on a {(int)response.StatusCode} answer");
}
