using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AirflowTrackingBench;

/// <summary>
/// A minimal Airflow 3.x REST stub (only what the tracker calls), run in its own process so the tracker's
/// CPU and memory are measured alone. Answers follow v2-3.2.yaml shapes (all required fields).
/// </summary>
internal static class StubAirflow
{
    private static readonly ConcurrentDictionary<(string Dag, string Run), Run> Runs = new();
    private static long _requests;

    public static async Task RunAsync(int port, int runCount, int dagCount)
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < runCount; i++)
        {
            var dag = $"wf_{i % dagCount:D3}";
            Runs[(dag, $"run_{i:D5}")] = new Run(dag, $"run_{i:D5}", now) { State = "running" };
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || context.Request.Path.StartsWithSegments("/auth", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _requests);
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/api/v2/version", () => Results.Json(new JsonObject { ["version"] = "3.1.0", ["git_version"] = null }));
        app.MapPost("/auth/token", () => Results.Json(new JsonObject { ["access_token"] = "bench-token" }, statusCode: 201));
        app.MapPost("/api/v2/dags/~/dagRuns/list", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body).ConfigureAwait(false))!.AsObject();
            var dagIds = body["dag_ids"]!.AsArray().Select(x => (string)x!).ToHashSet();
            var states = body["states"]?.AsArray().Select(x => (string)x!).ToHashSet();
            var endGte = body["end_date_gte"] is { } e ? DateTimeOffset.Parse((string)e!, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
            var matches = Runs.Values
                .Where(r => dagIds.Contains(r.DagId) && (states is null || states.Contains(r.State)) && (endGte is null || r.EndDate >= endGte))
                .OrderBy(r => r.DagRunId, StringComparer.Ordinal)
                .ToList();
            var offset = (int?)body["page_offset"] ?? 0;
            var limit = (int?)body["page_limit"] ?? 100;
            return Results.Json(new JsonObject
            {
                ["dag_runs"] = new JsonArray([.. matches.Skip(offset).Take(limit).Select(r => r.ToJson())]),
                ["total_entries"] = matches.Count,
            });
        });
        app.MapPost("/api/v2/dags/~/dagRuns/~/taskInstances/list", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body).ConfigureAwait(false))!.AsObject();
            var runIds = body["dag_run_ids"]!.AsArray().Select(x => (string)x!).ToHashSet();
            var tis = Runs.Values.Where(r => runIds.Contains(r.DagRunId)).SelectMany(r => r.TaskJson()).ToList();
            return Results.Json(new JsonObject { ["task_instances"] = new JsonArray([.. tis]), ["total_entries"] = tis.Count });
        });
        app.MapGet("/api/v2/dags/{dagId}/dagRuns/{runId}", (string dagId, string runId) =>
            Runs.TryGetValue((dagId, runId), out var run) ? Results.Json(run.ToJson()) : Results.Json(new JsonObject { ["detail"] = "not found" }, statusCode: 404));
        // Bench control: finish a run now; requests counter.
        app.MapPost("/control/finish/{dagId}/{runId}", (string dagId, string runId) =>
        {
            var run = Runs[(dagId, runId)];
            run.EndDate = DateTimeOffset.UtcNow;
            run.State = "success";
            return Results.Ok();
        });
        app.MapGet("/control/requests", () => Results.Text(Interlocked.Read(ref _requests).ToString(CultureInfo.InvariantCulture)));
        await app.RunAsync().ConfigureAwait(false);
    }

    private sealed class Run(string dagId, string dagRunId, DateTimeOffset start)
    {
        public string DagId { get; } = dagId;
        public string DagRunId { get; } = dagRunId;
        public string State { get; set; } = "running";
        public DateTimeOffset? EndDate { get; set; }

        public JsonObject ToJson() => new()
        {
            ["dag_run_id"] = DagRunId, ["dag_id"] = DagId, ["logical_date"] = Iso(start), ["queued_at"] = Iso(start),
            ["start_date"] = Iso(start), ["end_date"] = EndDate is { } e ? Iso(e) : null, ["duration"] = null,
            ["data_interval_start"] = Iso(start), ["data_interval_end"] = Iso(start), ["run_after"] = Iso(start),
            ["last_scheduling_decision"] = null, ["run_type"] = "manual", ["state"] = State, ["triggered_by"] = "rest_api",
            ["triggering_user_name"] = "admin", ["conf"] = new JsonObject(), ["note"] = null, ["dag_versions"] = new JsonArray(),
            ["bundle_version"] = null, ["dag_display_name"] = DagId, ["partition_key"] = null,
        };

        public IEnumerable<JsonNode> TaskJson() => new[] { "extract", "transform", "load" }.Select(task => (JsonNode)new JsonObject
        {
            ["id"] = DagRunId + task, ["task_id"] = task, ["dag_id"] = DagId, ["dag_run_id"] = DagRunId, ["map_index"] = -1,
            ["logical_date"] = Iso(start), ["run_after"] = Iso(start), ["start_date"] = Iso(start), ["end_date"] = null, ["duration"] = null,
            ["state"] = "running", ["try_number"] = 1, ["max_tries"] = 1, ["task_display_name"] = task, ["dag_display_name"] = DagId,
            ["hostname"] = "worker", ["unixname"] = "airflow", ["pool"] = "default_pool", ["pool_slots"] = 1, ["queue"] = "default",
            ["priority_weight"] = 1, ["operator"] = "WorkflowTaskOperator", ["operator_name"] = "WorkflowTaskOperator", ["queued_when"] = null,
            ["scheduled_when"] = null, ["pid"] = null, ["executor"] = null, ["executor_config"] = "{}", ["note"] = null,
            ["rendered_map_index"] = null, ["rendered_fields"] = new JsonObject(), ["trigger"] = null, ["triggerer_job"] = null, ["dag_version"] = null,
        });

        private static string Iso(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);
    }
}
