using System.Reflection;
using System.Text.RegularExpressions;
using Refit;
using WorkflowControl.Airflow.Api;
using WorkflowControl.Airflow.Tests.Fakes;
using WorkflowControl.Testing.Airflow;

namespace WorkflowControl.Airflow.Tests.Client;

/// <summary>
/// Every operation of every Refit interface is sent at least once in one tour of the client, and the base class
/// checks all of that traffic against the official document: no request the client can send goes unchecked.
/// </summary>
[TestFixture(AirflowGeneration.V1)]
[TestFixture(AirflowGeneration.V2)]
public partial class EveryOperationTests(AirflowGeneration generation) : AirflowTestBase(generation)
{
    [Test]
    public async Task Every_Refit_operation_is_sent_and_checked_against_the_document()
    {
        H.Airflow.AddDag("wf_1", paused: true, "a", "b");
        H.Airflow.AddRun("wf_1", "old", "failed", "manual");
        H.Airflow.SetTaskState("wf_1", "old", "a", "running");
        H.Airflow.SetTaskState("wf_1", "old", "a", "failed");
        var client = H.Client;
        await client.GetServerInfoAsync();
        await client.GetHealthAsync();
        var dag = await client.GetDagAsync("wf_1");
        await client.ListImportErrorsAsync();
        await client.RequestReparseAsync(dag!.FileToken);
        await client.SetPausedAsync("wf_1", false);
        await client.TriggerDagRunAsync("wf_1", "wfc_tour", null);
        await client.GetDagRunAsync("wf_1", "wfc_tour");
        await client.ListDagRunsAsync("wf_1", AirflowPaging.First);
        await client.ListDagRunsBatchAsync(new DagRunQuery(["wf_1"]), AirflowPaging.First);
        await client.ListTaskInstancesAsync("wf_1", "old");
        await client.ListTaskInstancesBatchAsync([new RunKey("wf_1", "old")]);
        await client.GetTaskLogAsync("wf_1", "old", "a", 1, null);
        await client.ClearTaskAsync("wf_1", "old", "a");
        await client.MarkDagRunFailedAsync("wf_1", "wfc_tour");
        await client.DeleteDagAsync("wf_1");

        var sent = H.Airflow.Exchanges.Select(e => e.Method + " " + e.Path).ToList();
        var missing = Operations().Where(op => !sent.Any(s => op.Pattern.IsMatch(s))).Select(op => op.Name).ToList();

        Assert.That(missing, Is.Empty, "Refit operations never sent, so never checked against the document");
    }

    private IEnumerable<(string Name, Regex Pattern)> Operations()
    {
        var prefix = Generation == AirflowGeneration.V1 ? "/api/v1" : "/api/v2";
        var interfaces = typeof(IDagsApi).Assembly.GetTypes()
            .Where(t => t.IsInterface && t.Namespace == typeof(IDagsApi).Namespace);
        foreach (var api in interfaces)
        {
            foreach (var method in api.GetMethods())
            {
                var http = method.GetCustomAttribute<HttpMethodAttribute>();
                var other = Generation == AirflowGeneration.V1 ? "V2Async" : "V1Async";
                if (http is null || method.Name.EndsWith(other, StringComparison.Ordinal)
                    || (api == typeof(IAirflowAuthApi) && Generation == AirflowGeneration.V1))
                {
                    continue;
                }

                var path = (api == typeof(IAirflowAuthApi) ? "" : prefix) + http.Path;
                var pattern = "^" + http.Method.Method + " " + Placeholder().Replace(Regex.Escape(path).Replace("\\{", "{", StringComparison.Ordinal), "[^/]+") + "$";
                yield return (api.Name + "." + method.Name, new Regex(pattern));
            }
        }
    }

    [GeneratedRegex(@"\{[^}/]+\}")]
    private static partial Regex Placeholder();
}
