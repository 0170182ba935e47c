using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Contract;

/// <summary>The contract checker accepts what real Airflow 2.10 did and refuses what real Airflow refused.</summary>
public class RecordedExchangesTests
{
    private static readonly string[] LabArtifacts =
    [
        // Pre-release snapshot without the /tries route (recorded README, "Lab caveat").
        "34-task-tries-after-retry.json",
        // The request deliberately carries an unknown field; see the next test.
        "16-trigger-unknown-field.json",
    ];

    private static IEnumerable<string> Conforming() => Recorded.Files().Where(f => !LabArtifacts.Contains(f));

    [TestCaseSource(nameof(Conforming))]
    public void Recorded_2_10_exchange_conforms_to_the_2_10_document(string file)
    {
        var problems = OpenApiContract.V1.Check(Recorded.ToExchange(Recorded.Load(file)));

        Assert.That(problems, Is.Empty, file);
    }

    [Test]
    public void A_request_field_that_2_10_refused_is_reported()
    {
        var problems = OpenApiContract.V1.Check(Recorded.ToExchange(Recorded.Load("16-trigger-unknown-field.json")));

        Assert.That(problems, Has.Some.Contains("'foo' is not declared"));
    }

    [Test]
    public void A_response_missing_a_required_3x_field_is_reported()
    {
        var run = System.Text.Json.Nodes.JsonNode.Parse("""{"dag_run_id": "r", "dag_id": "d", "state": "running"}""");

        var problems = OpenApiContract.V2.CheckSchema("DAGRunResponse", run);

        Assert.That(problems, Has.Some.Contains("Required properties").And.Some.Contains("run_type"), "a 3.x stub without run_type etc. must not pass");
    }

    [Test]
    public void An_undocumented_query_parameter_is_reported()
    {
        var exchange = Recorded.ToExchange(Recorded.Load("05-get-dag.json")) with
        {
            Query = new Dictionary<string, IReadOnlyList<string>> { ["colour"] = ["blue"] },
        };

        Assert.That(OpenApiContract.V1.Check(exchange), Has.Some.Contains("'colour' is not documented"));
    }
}
