using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WorkflowControl.Api.Features.Runs;
using WorkflowControl.Core.Workflows;
using WorkflowControl.Dags;
using WorkflowControl.Testing;

namespace WorkflowControl.Api.Tests.Features.Runs;

/// <summary>A param without a default is nullable in the DAG file and optional at trigger time: one rule in both places.</summary>
public sealed class RunParamsTests
{
    private static readonly Dictionary<string, WorkflowParam> Declared = new()
    {
        ["region"] = new() { Type = "string", Default = JsonDocument.Parse("\"eu\"").RootElement },
        ["cutoff"] = new() { Type = "date" },
        ["limit"] = new() { Type = "integer", Default = JsonDocument.Parse("null").RootElement },
    };

    private static Dictionary<string, JsonElement> Given(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Test]
    public void A_param_without_a_default_may_be_omitted_or_null_and_is_sent_as_null()
    {
        var omitted = RunParams.Resolve(Declared, Given("{}"));
        var nulls = RunParams.Resolve(Declared, Given("""{"cutoff": null, "limit": null}"""));

        Assert.That(omitted.Problems, Is.Empty);
        Assert.That(JsonNode.DeepEquals(omitted.Conf, JsonNode.Parse("""{"region":"eu","cutoff":null,"limit":null}""")), Is.True, omitted.Conf?.ToJsonString());
        Assert.That(nulls.Problems, Is.Empty);
        Assert.That(JsonNode.DeepEquals(nulls.Conf, omitted.Conf), Is.True, nulls.Conf?.ToJsonString());
    }

    [Test]
    public void A_param_with_a_default_takes_no_null_and_every_value_still_has_its_type()
    {
        var (conf, problems) = RunParams.Resolve(Declared, Given("""{"region": null, "cutoff": "next week", "limit": "lots"}"""));

        Assert.That(conf, Is.Null);
        Assert.That(problems.Select(p => p.Pointer), Is.EquivalentTo(new[] { "/params/region", "/params/cutoff", "/params/limit" }));
    }

    [Test]
    public void What_the_API_sends_for_an_omitted_or_null_param_is_what_Airflow_accepts_for_the_deployed_file()
    {
        var document = new WorkflowDocument
        {
            Metadata = new WorkflowMetadata { Name = "Params" },
            Spec = new WorkflowSpec { Params = Declared },
        };
        var rendered = ApiFixture.Factory.Services.GetRequiredService<DagRenderer>().Render(document, Guid.NewGuid(), new DagOwner(Guid.NewGuid(), "Ada"), 1);
        var file = Path.Combine(Path.GetTempPath(), $"wfc-params-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, rendered.Content);
        try
        {
            foreach (var given in new[] { "{}", """{"cutoff": null}""", """{"cutoff": "2026-11-25", "limit": 3}""" })
            {
                var conf = RunParams.Resolve(Declared, Given(given)).Conf;
                Assert.That(conf, Is.Not.Null, given);
                var run = StrictAirflow.Run("2.10", file, "wfc_params", DateTimeOffset.UnixEpoch, conf, new Dictionary<string, string>());
                Assert.That(run.Ok, Is.True, $"{given}: {run}");
            }

            // And what the API refuses, Airflow's Param would refuse too.
            var refused = Assert.Throws<InvalidOperationException>(() =>
                StrictAirflow.Run("2.10", file, "wfc_params", DateTimeOffset.UnixEpoch, new { region = (string?)null }, new Dictionary<string, string>()));
            Assert.That(refused!.Message, Does.Contain("ParamValidationError"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
