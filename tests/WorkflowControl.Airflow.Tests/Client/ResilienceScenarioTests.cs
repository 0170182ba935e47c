using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using WorkflowControl.Airflow.Http;
using WorkflowControl.Airflow.Tests.Fakes;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Client;

/// <summary>What users notice when Airflow misbehaves; all waiting happens on fake time.</summary>
[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public class ResilienceScenarioTests(AirflowGeneration generation) : AirflowTestBase(generation)
{
    [Test]
    public async Task A_trigger_whose_answer_is_lost_results_in_exactly_one_run()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.LoseNextTriggerAnswer();

        var run = await H.Drive(H.Client.TriggerDagRunAsync("wf_1", "wfc_run_42", null));

        Assert.That(run.DagRunId, Is.EqualTo("wfc_run_42"));
        Assert.That(H.Airflow.Runs, Has.Count.EqualTo(1), "the retry met 409 and resolved to the run the first attempt created");
        Assert.That(H.Airflow.Count("POST", "/dags/wf_1/dagRuns"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_429_is_retried_after_the_time_Airflow_asks_for()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetDagAsync("wf_1"); // warm: the measured time is the wait, not the first call's set-up
        H.Airflow.RateLimit(1, retryAfterSeconds: 20);

        Task<AirflowDag?> call = H.Client.GetDagAsync("wf_1");
        var elapsed = await H.Drive((Task)call, TimeSpan.FromSeconds(1));

        Assert.That((await call)!.DagId, Is.EqualTo("wf_1"));
        // What the client waited for is the timer it set; fake time that passed is only a lower bound (the driver may
        // advance time while a continuation has not run yet, more so on a loaded machine).
        Assert.That(H.Time.TimerDueTimes, Has.Member(TimeSpan.FromSeconds(20)), "waited Retry-After, not the default back-off of about a second");
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public async Task A_Retry_After_longer_than_we_hold_a_user_fails_at_once_as_busy()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.RateLimit(1, retryAfterSeconds: 600);

        var call = H.Client.GetDagAsync("wf_1");
        var e = await ThrowsDuring<AirflowUnavailableException>(call);

        Assert.That(e.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(600)));
        var problem = AirflowProblems.ToProblemDetails(e);
        Assert.That(problem.Status, Is.EqualTo(StatusCodes.Status503ServiceUnavailable));
        Assert.That(problem.Title, Is.EqualTo("Airflow is busy"));
        Assert.That(problem.Detail, Does.Contain("600 s"));
    }

    [Test]
    public async Task While_Airflow_is_down_calls_fail_fast_and_recover_when_it_is_back()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetServerInfoAsync();
        H.Airflow.Down = true;

        var first = await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));
        await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));
        var reachedAirflow = H.Airflow.AllRequests.Count;
        var second = await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));

        Assert.That(H.Airflow.AllRequests.Count, Is.EqualTo(reachedAirflow), "the open circuit answers without calling Airflow");
        Assert.That(AirflowProblems.ToProblemDetails(second).Title, Is.EqualTo("Airflow is not reachable"));
        Assert.That(first.AirflowStatus is null or 503, Is.True);

        H.Airflow.Down = false;
        H.Time.Advance(TimeSpan.FromMinutes(2));
        var dag = await H.Drive(H.Client.GetDagAsync("wf_1"));

        Assert.That(dag, Is.Not.Null, "the circuit closes again once Airflow answers");
    }

    [Test]
    public async Task A_trigger_pending_while_Airflow_is_down_for_two_minutes_creates_one_run_when_repeated_after()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetServerInfoAsync();
        H.Airflow.Down = true;
        var start = H.Time.GetUtcNow();

        // The caller (the run tracker, see RunTrackerTests) keeps the stored run id and repeats until Airflow answers.
        AirflowDagRun? run = null;
        while (run is null)
        {
            try
            {
                run = await H.Drive(H.Client.TriggerDagRunAsync("wf_1", "wfc_run_7", null), TimeSpan.FromSeconds(1));
            }
            catch (AirflowUnavailableException)
            {
                H.Time.Advance(TimeSpan.FromSeconds(10));
                H.Airflow.Down = H.Time.GetUtcNow() - start < TimeSpan.FromMinutes(2);
            }
        }

        Assert.That(H.Time.GetUtcNow() - start, Is.GreaterThanOrEqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(H.Airflow.Runs.Select(r => r.DagRunId), Is.EqualTo(new[] { "wfc_run_7" }), "exactly one run");
    }

    [Test]
    public async Task Clearing_a_task_is_never_repeated_by_a_retry()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1", "failed");
        await H.Client.GetDagAsync("wf_1"); // detection done and, on 3.x, a token in hand
        H.Airflow.Down = true;

        await ThrowsDuring<AirflowUnavailableException>(H.Client.ClearTaskAsync("wf_1", "r1", "extract"));

        Assert.That(H.Airflow.Count("POST", "/clearTaskInstances"), Is.EqualTo(1), "not idempotent, so one attempt only");
    }

    [Test]
    public async Task Wrong_credentials_become_a_problem_naming_the_configuration_not_the_password()
    {
        using var wrong = new AirflowHarness(Generation, settings: new() { ["Airflow:Password"] = "not-the-password" });
        wrong.Airflow.AddDag("wf_1");

        var e = await ThrowsDuring<AirflowUnauthorizedException>(wrong.Client.GetDagAsync("wf_1"), wrong);
        var problem = AirflowProblems.ToProblemDetails(e);

        Assert.That(problem.Status, Is.EqualTo(StatusCodes.Status502BadGateway), "our configuration, not the user's sign-in");
        Assert.That(problem.Detail, Does.Contain("Airflow__Password"));
        Assert.That(problem.Detail + problem.Title, Does.Not.Contain("not-the-password"));
        Assert.That(wrong.ContractProblems(), Is.Empty);
    }

    [Test]
    public async Task A_dag_not_parsed_yet_and_an_import_error_read_as_user_problems()
    {
        var notParsed = await ThrowsDuring<AirflowNotFoundException>(H.Client.TriggerDagRunAsync("wf_new", "r1", null));
        H.Airflow.AddDag("wf_broken").HasImportErrors = true;
        var broken = await ThrowsDuring<AirflowImportErrorException>(H.Client.TriggerDagRunAsync("wf_broken", "r1", null));

        var p1 = AirflowProblems.ToProblemDetails(notParsed);
        var p2 = AirflowProblems.ToProblemDetails(broken);
        Assert.That(p1.Status, Is.EqualTo(404));
        Assert.That(p1.Detail, Does.Contain("wf_new").And.Contain("not found in Airflow"));
        Assert.That(p2.Status, Is.EqualTo(409));
        Assert.That(p2.Title, Is.EqualTo("The workflow's DAG file has an import error"));
    }

}

/// <summary>3.x bearer tokens: fetched once, fetched again when Airflow says the token expired.</summary>
public class TokenScenarioTests() : AirflowTestBase(AirflowGeneration.V2)
{
    [Test]
    public async Task A_token_that_expires_mid_poll_is_renewed_once_and_the_poll_goes_on()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1");
        await H.Client.GetDagRunAsync("wf_1", "r1");
        await H.Client.GetDagRunAsync("wf_1", "r1");
        Assert.That(H.Airflow.Count("POST", "/auth/token"), Is.EqualTo(1), "one token for many requests");

        H.Airflow.ExpireTokens();
        var polls = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => H.Client.GetDagRunAsync("wf_1", "r1")));

        Assert.That(polls.Select(r => r!.State), Is.All.EqualTo("running"));
        Assert.That(H.Airflow.Count("POST", "/auth/token"), Is.EqualTo(2), "concurrent 401s share one renewal");
    }

    [Test]
    public async Task A_token_airflow_no_longer_recognises_after_a_restart_is_renewed_once()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetDagAsync("wf_1");

        H.Airflow.RestartWithNewSigningKey();
        var dag = await H.Client.GetDagAsync("wf_1");

        Assert.That(dag, Is.Not.Null, "403 'Invalid JWT token' is answered by signing in again, not by a 502");
        Assert.That(H.Airflow.Count("POST", "/auth/token"), Is.EqualTo(2));
        Assert.That(H.ContractProblems(), Is.Empty);
    }

    [Test]
    public async Task Each_logical_retry_is_one_request_on_the_wire_even_when_signing_in_fails_too()
    {
        H.Airflow.AddDag("wf_1");
        await H.Client.GetServerInfoAsync(); // public: no token yet
        H.Airflow.Down = true;

        await ThrowsDuring<AirflowUnavailableException>(H.Client.GetDagAsync("wf_1"));

        var attempts = H.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AirflowOptions>>().Value.MaxRetries + 1;
        Assert.That(H.Airflow.Count("POST", "/auth/token"), Is.LessThanOrEqualTo(attempts),
            "the sign-in inside an attempt is not retried on its own: the attempt is what the retry policy repeats");
    }

    [Test]
    public async Task Each_logical_retry_is_one_request_on_the_wire_when_Airflow_drops_the_connection()
    {
        using var dropping = new DroppingServer();
        using var harness = new AirflowHarness(Generation, Generation == AirflowGeneration.V1 ? AirflowApiVersion.V1 : AirflowApiVersion.V2,
            settings: new() { ["Airflow:BaseUrl"] = dropping.Url });

        var e = await ThrowsDuring<AirflowUnavailableException>(harness.Client.GetDagAsync("wf_1"), harness);

        var attempts = harness.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AirflowOptions>>().Value.MaxRetries + 1;
        Assert.That(dropping.Connections, Is.EqualTo(attempts), "one connection per attempt (on 3.x the sign-in, which fails first), no burst per retry");
        Assert.That(AirflowProblems.ToProblemDetails(e).Title, Is.EqualTo("Airflow is not reachable"));
    }

    /// <summary>A server that accepts each connection, reads the request and drops the connection without an answer.</summary>
    private sealed class DroppingServer : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public DroppingServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Url => "http://127.0.0.1:" + ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    var buffer = new byte[8192];
                    _ = await client.GetStream().ReadAsync(buffer, _stop.Token);
                    client.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0); // a reset, as a crashed proxy sends
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // Stopped.
            }
        }
    }

    [Test]
    public async Task A_token_refused_even_after_signing_in_again_is_named_as_such_without_a_loop()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.RefuseEveryToken = true;

        var e = await ThrowsDuring<AirflowUnauthorizedException>(H.Client.GetDagAsync("wf_1"));
        var problem = AirflowProblems.ToProblemDetails(e);

        Assert.That(e.Failure, Is.EqualTo(AirflowAuthFailure.TokenRefused));
        Assert.That(problem.Status, Is.EqualTo(502));
        Assert.That(problem.Detail, Does.Contain("jwt_secret").And.Not.Contain("Airflow__Password"), "not blamed on the credentials, which were right");
        Assert.That(H.Airflow.Count("POST", "/auth/token"), Is.EqualTo(2), "one token, one renewal, then a clear error");
    }

    [Test]
    public void Airflows_words_say_whether_the_token_or_the_configured_user_was_refused()
    {
        Assert.That(AirflowErrors.AuthFailureOf("Invalid JWT token"), Is.EqualTo(AirflowAuthFailure.TokenRefused));
        Assert.That(AirflowErrors.AuthFailureOf("Token Expired"), Is.EqualTo(AirflowAuthFailure.TokenRefused));
        Assert.That(AirflowErrors.AuthFailureOf("Forbidden"), Is.EqualTo(AirflowAuthFailure.CredentialsRefused), "2.10's wrong password and 3.x's missing permission");
        Assert.That(AirflowErrors.AuthFailureOf("Invalid credentials"), Is.EqualTo(AirflowAuthFailure.CredentialsRefused));
        Assert.That(AirflowErrors.AuthFailureOf(null), Is.EqualTo(AirflowAuthFailure.CredentialsRefused), "2.10's 403 without detail");
    }

    [Test]
    public async Task Configured_v2_skips_detection()
    {
        using var configured = new AirflowHarness(AirflowGeneration.V2, AirflowApiVersion.V2);
        configured.Airflow.AddDag("wf_1");

        await configured.Client.GetDagAsync("wf_1");

        Assert.That(configured.Airflow.Count("GET", "/version"), Is.Zero);
        Assert.That(configured.ContractProblems(), Is.Empty);
    }
}

/// <summary>Reads of one run by many readers cost Airflow one request per interval.</summary>
[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public class ReadCacheTests(AirflowGeneration generation) : AirflowTestBase(generation)
{
    [Test]
    public async Task Twenty_concurrent_readers_of_a_run_its_tasks_and_a_log_page_cost_one_request_each()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1");
        await H.Client.GetServerInfoAsync();
        H.Airflow.ResetCounts();
        var cache = H.Services.GetRequiredService<AirflowReadCache>();

        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.GetDagRunAsync("wf_1", "r1")));
        var tasks = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.ListTaskInstancesAsync("wf_1", "r1")));

        Assert.That(runs.Select(r => r!.DagRunId), Is.All.EqualTo("r1"));
        Assert.That(tasks, Has.Length.EqualTo(20));
        Assert.That(H.Airflow.Count("GET", "/dagRuns/r1"), Is.EqualTo(1), "one request for twenty readers of the run");
        Assert.That(H.Airflow.Count("GET", "/dagRuns/r1/taskInstances"), Is.EqualTo(1), "and one for their task lists");
    }

    [Test]
    public async Task After_the_interval_the_next_reader_asks_airflow_again_and_sees_the_change()
    {
        H.Airflow.AddDag("wf_1");
        H.Airflow.AddRun("wf_1", "r1");
        var cache = H.Services.GetRequiredService<AirflowReadCache>();
        Assert.That((await cache.GetDagRunAsync("wf_1", "r1"))!.State, Is.EqualTo("running"));

        H.Airflow.SetRunState("wf_1", "r1", "success");
        var withinInterval = await cache.GetDagRunAsync("wf_1", "r1");
        H.Time.Advance(TimeSpan.FromSeconds(2));
        var after = await cache.GetDagRunAsync("wf_1", "r1");

        Assert.That(withinInterval!.State, Is.EqualTo("running"), "served from the shared answer");
        Assert.That(after!.State, Is.EqualTo("success"));
        Assert.That(H.Airflow.Count("GET", "/dagRuns/r1"), Is.EqualTo(2));
    }
}
