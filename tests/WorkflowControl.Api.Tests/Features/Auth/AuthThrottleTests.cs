using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace WorkflowControl.Api.Tests.Features.Auth;

/// <summary>
/// Sign-in and sign-up are throttled per address and per account, with a growing delay after wrong passwords.
/// Time is a FakeTimeProvider the tests move; the client address comes from a test header.
/// </summary>
public sealed class AuthThrottleTests
{
    private const string Password = "correct horse battery";
    private static int _addresses;
    private FakeTimeProvider _time = null!;
    private ApiFactory _factory = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The production limits, not the lifted ones every other test host runs with.
        var settings = new Dictionary<string, string?> { ["Auth:Throttle:AddressLimit"] = "20", ["Auth:Throttle:FreeAddressFailures"] = "20" };
        _factory = new ApiFactory(ApiFixture.ConnectionString, settings, services: s =>
        {
            s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time));
            s.AddSingleton<IStartupFilter, AddressFromHeader>();
        });
        _client = _factory.CreateClient();
    }

    [OneTimeTearDown]
    public async Task Stop() => await _factory.DisposeAsync();

    [Test]
    public async Task Thirty_wrong_passwords_then_the_right_one_is_refused_with_Retry_After_and_accepted_after_it()
    {
        var address = NewAddress();
        var email = await SignUpAsync(NewAddress());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add((await SignInAsync(address, email, "wrong password")).StatusCode);
        }

        var refused = await SignInAsync(address, email, Password);
        var retryAfter = RetryAfter(refused);
        _time.Advance(retryAfter);
        var accepted = await SignInAsync(address, email, Password);

        Assert.That(statuses.Take(6), Is.All.EqualTo(HttpStatusCode.Unauthorized), "five free failures, and the sixth is counted and answered");
        Assert.That(statuses.Skip(6), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(retryAfter, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), "after waiting as long as Retry-After said");
    }

    [Test]
    public async Task The_delay_doubles_with_each_wrong_password_past_five()
    {
        var email = await SignUpAsync(NewAddress());
        for (var i = 0; i < 5; i++)
        {
            Assert.That((await SignInAsync(NewAddress(), email, "wrong password")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            Assert.That((await SignInAsync(NewAddress(), email, "wrong password")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            var refused = await SignInAsync(NewAddress(), email, Password);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "locked from every address");
            delays.Add(RetryAfter(refused));
            _time.Advance(delays[^1]);
        }

        Assert.That(delays, Is.EqualTo(new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8) }));
    }

    [Test]
    public async Task A_successful_sign_in_clears_the_failures()
    {
        var email = await SignUpAsync(NewAddress());
        var statuses = new List<HttpStatusCode>();
        foreach (var password in new[] { "wrong 1", "wrong 2", "wrong 3", "wrong 4", Password, "wrong 5", "wrong 6", "wrong 7", "wrong 8" })
        {
            statuses.Add((await SignInAsync(NewAddress(), email, password)).StatusCode);
        }

        Assert.That(statuses, Has.None.EqualTo(HttpStatusCode.TooManyRequests), "eight failures, but never more than five in a row");
        Assert.That(statuses[4], Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Sign_ins_from_one_address_are_limited_across_accounts()
    {
        var address = NewAddress();
        for (var i = 0; i < 20; i++)
        {
            Assert.That((await SignInAsync(address, $"nobody-{Guid.NewGuid():N}@example.com", "wrong password")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        var refused = await SignInAsync(address, $"nobody-{Guid.NewGuid():N}@example.com", "wrong password");
        var elsewhere = await SignInAsync(NewAddress(), $"nobody-{Guid.NewGuid():N}@example.com", "wrong password");
        _time.Advance(RetryAfter(refused));
        var later = await SignInAsync(address, $"nobody-{Guid.NewGuid():N}@example.com", "wrong password");

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(RetryAfter(refused), Is.EqualTo(TimeSpan.FromMinutes(1)), "the rest of the address's one-minute window");
        Assert.That(elsewhere.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another address is not affected");
        Assert.That(later.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a new window");
    }

    [Test]
    public async Task One_account_is_limited_across_addresses()
    {
        var email = await SignUpAsync(NewAddress());
        for (var i = 0; i < 9; i++)
        {
            Assert.That((await SignInAsync(NewAddress(), email, Password)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var refused = await SignInAsync(NewAddress(), email, Password);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "ten attempts per account in 15 minutes, the sign-up included");
        Assert.That(RetryAfter(refused), Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(15)));
    }

    [Test]
    public async Task Sign_ups_from_one_address_are_limited_and_the_refusal_is_audited_once()
    {
        var address = NewAddress();
        for (var i = 0; i < 20; i++)
        {
            await SignUpAsync(address);
        }

        var refused = await _client.SendAsync(SignUpRequest(address, $"late-{Guid.NewGuid():N}@example.com"));
        var again = await _client.SendAsync(SignUpRequest(address, $"late-{Guid.NewGuid():N}@example.com"));
        await using var db = new NpgsqlConnection(ApiFixture.ConnectionString);
        var audited = await db.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM audit_log WHERE action = 'auth.throttled' AND details->>'address' = @address AND details->>'scope' = 'address'", new { address });

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.Not.Null);
        Assert.That(audited, Is.EqualTo(1), "one entry for the refused window, not one per refused request");
    }

    private async Task<string> SignUpAsync(string address)
    {
        var email = $"throttle-{Guid.NewGuid():N}@example.com";
        var response = await _client.SendAsync(SignUpRequest(address, email));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return email;
    }

    private static HttpRequestMessage SignUpRequest(string address, string email) =>
        WithAddress(new HttpRequestMessage(HttpMethod.Post, "/auth/signup") { Content = JsonContent.Create(new { email, password = Password }) }, address);

    private Task<HttpResponseMessage> SignInAsync(string address, string email, string password) =>
        _client.SendAsync(WithAddress(new HttpRequestMessage(HttpMethod.Post, "/auth/signin") { Content = JsonContent.Create(new { email, password }) }, address));

    private static HttpRequestMessage WithAddress(HttpRequestMessage request, string address)
    {
        request.Headers.Add(AddressFromHeader.Header, address);
        return request;
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? throw new AssertionException($"no Retry-After on a {(int)response.StatusCode} answer");

    private static string NewAddress()
    {
        var n = Interlocked.Increment(ref _addresses);
        return $"198.51.{n / 250}.{n % 250 + 1}";
    }

    /// <summary>Test seam: the client address of a request is the one its header names.</summary>
    private sealed class AddressFromHeader : IStartupFilter
    {
        public const string Header = "X-Test-Client-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
