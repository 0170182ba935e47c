using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using WorkflowControl.Airflow.Api;

namespace WorkflowControl.Airflow.Http;

/// <summary>
/// Authenticates each attempt: HTTP Basic for /api/v1 (2.x), a bearer token from POST /auth/token for
/// /api/v2 (3.x), fetched again once when Airflow refuses it: 401 "Token Expired", or 403 "Invalid JWT token" after
/// the API server restarted with another signing key (FACTS.md section 2). A 403 "Forbidden" is a missing
/// permission, which a new token would not change.
/// Credentials go into headers only, never into URLs or logs.
/// </summary>
internal sealed class AirflowAuthHandler(IOptions<AirflowOptions> options, AirflowTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri?.AbsolutePath ?? "";
        if (path.Contains("/api/v1/", StringComparison.Ordinal))
        {
            var o = options.Value;
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(o.Username + ":" + o.Password));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (!path.Contains("/api/v2/", StringComparison.Ordinal) || IsPublic(path))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (request.Content is not null)
        {
            // The request may be sent twice (after a token refresh): keep its body.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var token = await tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!await TokenRefusedAsync(response, cancellationToken).ConfigureAwait(false))
        {
            return response;
        }

        response.Dispose();
        token = await tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>401, or 403 whose detail speaks of the token (never of a permission).</summary>
    private static async Task<bool> TokenRefusedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.Forbidden)
        {
            return false;
        }

        // Buffered, so whoever gets this response can still read the body.
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return AirflowErrors.AuthFailureOf(AirflowErrors.Message(body)) == AirflowAuthFailure.TokenRefused;
    }

    private static bool IsPublic(string path) =>
        path.EndsWith("/api/v2/version", StringComparison.Ordinal) || path.EndsWith("/api/v2/monitor/health", StringComparison.Ordinal);
}

/// <summary>Caches the 3.x JWT; one request renews it however many callers saw it expire.</summary>
internal sealed class AirflowTokenProvider(IAirflowAuthApi api, IOptions<AirflowOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;

    public async Task<string> GetAsync(CancellationToken ct) => _token ?? await RenewAsync(null, ct).ConfigureAwait(false);

    /// <summary>Fetches a new token unless another caller already replaced <paramref name="rejected"/>.</summary>
    public async Task<string> RenewAsync(string? rejected, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_token is not null && _token != rejected)
            {
                return _token;
            }

            var o = options.Value;
            var response = await AirflowErrors.Send(
                () => api.CreateTokenAsync(new TokenRequest(o.Username, o.Password), ct: ct), ct).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
            {
                // The simple auth manager answers 400/401 for wrong credentials.
                throw new AirflowUnauthorizedException((int)(response.StatusCode ?? HttpStatusCode.BadRequest), AirflowErrors.Message(AirflowErrors.ErrorContent(response)));
            }

            var body = AirflowErrors.Content(response, "The sign-in endpoint /auth/token");
            _token = string.IsNullOrEmpty(body.AccessToken)
                ? throw new AirflowUnauthorizedException((int)(response.StatusCode ?? HttpStatusCode.BadRequest), "no access_token in the answer")
                : body.AccessToken;
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
