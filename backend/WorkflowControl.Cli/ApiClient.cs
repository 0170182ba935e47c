using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkflowControl.Cli;

/// <summary>
/// The few WorkflowControl API calls wfctl makes. Every failure becomes a <see cref="CliException"/> carrying the
/// ProblemDetails title and detail and the exit code its status means.
/// </summary>
internal sealed class ApiClient(HttpClient http) : IDisposable
{
    public async Task<JsonElement> GetAsync(string path, CancellationToken ct) =>
        await ReadJsonAsync(await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct), ct);

    /// <summary>
    /// A GET whose answer must be Airflow's: the server marks an answer from its database while Airflow is unreachable
    /// (header Airflow-Unreachable), and that counts as unavailable here (exit 7).
    /// </summary>
    public async Task<JsonElement> GetFromAirflowAsync(string path, CancellationToken ct)
    {
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        if (response.IsSuccessStatusCode && response.Headers.TryGetValues("Airflow-Unreachable", out var why))
        {
            response.Dispose();
            throw new CliException(ExitCodes.Unavailable, string.Join(" ", why));
        }

        return await ReadJsonAsync(response, ct);
    }

    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, string json, CancellationToken ct, int? ifMatchVersion = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatchVersion is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await ReadJsonAsync(await SendAsync(request, ct), ct);
    }

    /// <summary>The id of the workflow with this metadata.key, or null when none is visible to the token.</summary>
    public async Task<Guid?> FindByKeyAsync(string key, CancellationToken ct) =>
        await FindSummaryByKeyAsync(key, ct) is { } summary ? summary.GetProperty("id").GetGuid() : null;

    public async Task<Guid> ResolveAsync(string key, CancellationToken ct) =>
        (await ResolveSummaryAsync(key, ct)).GetProperty("id").GetGuid();

    /// <summary>The workflow's list entry (id, latest run and deployment state, as the server's database has them).</summary>
    public async Task<JsonElement> ResolveSummaryAsync(string key, CancellationToken ct) =>
        await FindSummaryByKeyAsync(key, ct)
        ?? throw new CliException(ExitCodes.ValidationFailed, $"No workflow with key '{key}' is visible to this token. Push it first, or check the key and the token's scope.");

    private async Task<JsonElement?> FindSummaryByKeyAsync(string key, CancellationToken ct)
    {
        var page = await GetAsync($"/workflows?key={Uri.EscapeDataString(key)}", ct);
        var items = page.GetProperty("items");
        return items.GetArrayLength() == 0 ? null : items[0];
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            try
            {
                return await http.SendAsync(request, ct);
            }
            catch (HttpRequestException e)
            {
                throw new CliException(ExitCodes.Unavailable, $"The server at {http.BaseAddress} cannot be reached: {e.Message}");
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.Unavailable, $"The server at {http.BaseAddress} did not answer in time.");
            }
        }
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            await EnsureSuccessAsync(response, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(ct);
        JsonNode? problem = null;
        try
        {
            problem = body.Length > 0 ? JsonNode.Parse(body) : null;
        }
        catch (JsonException)
        {
            // Not ProblemDetails (a proxy's error page, say): the status line says enough.
        }

        var title = problem?["title"]?.GetValue<string>() ?? response.ReasonPhrase ?? $"HTTP {status}";
        var detail = problem?["detail"]?.GetValue<string>();
        var details = (problem?["problems"] as JsonArray ?? [])
            .Select(p => $"{p?["pointer"]?.GetValue<string>()}: {p?["message"]?.GetValue<string>()}")
            .ToList();
        var code = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Auth,
            HttpStatusCode.Conflict when problem?["activeRuns"] is JsonArray => ExitCodes.ActiveRuns,
            HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict => ExitCodes.Conflict,
            _ when status >= 500 => ExitCodes.Unavailable,
            _ => ExitCodes.ValidationFailed,
        };
        throw new CliException(code, detail is null ? title : $"{title}: {detail}", details, status);
    }

    public void Dispose() => http.Dispose();
}
