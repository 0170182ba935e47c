using System.Text;
using WorkflowControl.Core.Workflows;

namespace WorkflowControl.Core.Tests.Workflows;

public sealed class JsonInputCheckTests
{
    [Test]
    public void Readable_JSON_has_no_problems() =>
        Assert.That(Check("{\"a\":[1,-0.0,7.9e28,5e-324,\"x\\ud83d\\ude00\"],\"b\":{\"c\":null}}"), Is.Empty);

    [TestCase("{\"a\":\"x\\ud800\"}", "/a", "unpaired surrogate")]
    [TestCase("{\"a\":[1,\"\\udc00\"]}", "/a/1", "unpaired surrogate")]
    [TestCase("{\"a\":{\"x\\ud800\":1}}", "/a/x\\ud800", "field's name holds an unpaired surrogate")]
    [TestCase("{\"a\":1,\"b\":{\"c\":1,\"c\":2}}", "/b/c", "appears more than once")]
    [TestCase("{\"a/b\":1,\"a/b\":2}", "/a~1b", "appears more than once")]
    [TestCase("{\"n\":1e29}", "/n", "out of range")]
    [TestCase("{\"n\":[-1e309]}", "/n/0", "out of range")]
    public void Problems_name_their_place(string json, string pointer, string because)
    {
        var problems = Check(json);

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0].Pointer, Is.EqualTo(pointer));
        Assert.That(problems[0].Message, Does.Contain(because));
    }

    [Test]
    public void Invalid_UTF_8_is_reported_at_its_string()
    {
        var problems = JsonInputCheck.Check([.. "{\"a\":{\"b\":\"x"u8, 0xC0, 0xA2, .. "\"}}"u8]);

        Assert.That(problems.Select(p => (p.Pointer, p.Message.Contains("not valid UTF-8", StringComparison.Ordinal))), Is.EqualTo(new[] { ("/a/b", true) }));
    }

    [Test]
    public void Nesting_past_the_limit_is_reported_once_at_the_first_level_too_deep()
    {
        var json = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            json.Append("{\"a\":");
        }

        json.Append('1').Append('}', 1000);

        var problems = Check(json.ToString());

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0].Pointer, Is.EqualTo(string.Concat(Enumerable.Repeat("/a", WorkflowLimits.MaxDepth))));
        Assert.That(problems[0].Message, Does.Contain($"limit of {WorkflowLimits.MaxDepth} levels"));
    }

    [Test]
    public void A_syntax_error_is_reported_for_the_whole_document() =>
        Assert.That(Check("{\"a\": "), Has.Some.Matches<ValidationProblem>(p => p.Pointer == "" && p.Message.StartsWith("The document is not valid JSON", StringComparison.Ordinal)));

    private static List<ValidationProblem> Check(string json) => JsonInputCheck.Check(Encoding.UTF8.GetBytes(json));
}
