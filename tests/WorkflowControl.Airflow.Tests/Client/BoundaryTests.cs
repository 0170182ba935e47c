using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowControl.Airflow.Http;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Client;

public class BoundaryTests
{
    [TestCase("24-task-log-json.json", "rec_ok: log line 3 of 3 from task b", "Marking task as SUCCESS")]
    [TestCase("35-task-log-try-2-json.json", "ValueError: boom from rec_fail.b", "'--job-id', '10'")]
    public void Real_2_10_log_content_reads_as_plain_text(string file, string expectedLine, string alsoExpected)
    {
        var content = (string)Recorded.Body(file)["content"]!;

        var text = AirflowLogText.FromV1(content);

        Assert.That(text, Does.Contain(expectedLine).And.Contain(alsoExpected));
        Assert.That(text, Does.Not.Contain("[('vm'").And.Not.Contain("\\n"), "no Python repr left");
        Assert.That(text, Does.StartWith("*** Found local files:"));
    }

    [Test]
    public void The_2_10_continuation_token_says_whether_the_log_is_complete()
    {
        var token = (string)Recorded.Body("24-task-log-json.json")["continuation_token"]!;

        Assert.That(AirflowLogText.V1EndOfLog(token), Is.True);
        Assert.That(AirflowLogText.V1EndOfLog("garbage"), Is.False);
    }

    [Test]
    public void A_3x_conflict_message_keeps_the_reason_and_drops_the_SQL()
    {
        const string body = """{"detail": {"reason": "Unique constraint violation", "statement": "INSERT INTO dag_run ...", "orig_error": "duplicate key"}}""";

        Assert.That(AirflowErrors.Message(body), Is.EqualTo("Unique constraint violation"));
    }

    [Test]
    public void A_configuration_without_base_url_is_refused_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Airflow:Username"] = "u", ["Airflow:Password"] = "p",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddAirflowClient(configuration).BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<AirflowOptions>>().Value);

        Assert.That(e!.Message, Does.Contain("BaseUrl"));
    }
}
