using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WorkflowControl.Dags.Tests;

public sealed class PythonLiteralTests
{
    [TestCase("plain", "\"plain\"")]
    [TestCase("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [TestCase("ends with \\", "\"ends with \\\\\"")]
    [TestCase("a\r\nb\tc", "\"a\\r\\nb\\tc\"")]
    [TestCase("next\u0085line", "\"next\\x85line\"")]
    [TestCase("line\u2028para\u2029", "\"line\\u2028para\\u2029\"")]
    [TestCase("\u202eevil\u2066", "\"\\u202eevil\\u2066\"")]
    [TestCase("nbsp\u00a0bom\ufeff", "\"nbsp\\xa0bom\\ufeff\"")]
    [TestCase("esc\u001b[31m del\u007f", "\"esc\\x1b[31m del\\x7f\"")]
    [TestCase("Zürich — 東京", "\"Zürich — 東京\"")]
    [TestCase("{{ ds }} {% raw %}", "\"{{ ds }} {% raw %}\"")]
    public void Strings_are_plain_double_quoted_literals_with_escapes_for_everything_invisible(string value, string expected)
    {
        Assert.That(PythonLiteral.String(value), Is.EqualTo(expected));
    }

    [Test]
    public void An_astral_character_stays_one_code_point_in_the_file()
    {
        Assert.That(PythonLiteral.String("📈𝔘"), Is.EqualTo("\"📈𝔘\""), "printable astral characters stay raw");
        Assert.That(PythonLiteral.String("\U000F0001"), Is.EqualTo("\"\\U000f0001\""), "private-use astral characters get one 8-digit escape, not a surrogate pair");
    }

    [Test]
    public void Nul_is_refused_with_the_field_named()
    {
        var e = Assert.Throws<PythonLiteralException>(() => PythonLiteral.String("a\0b", "/metadata/name"))!;
        Assert.That(e.Message, Is.EqualTo("/metadata/name: text contains a NUL character (U+0000), which a DAG file cannot hold"));
        Assert.That(e.Pointer, Is.EqualTo("/metadata/name"));
    }

    [Test]
    public void Nul_deep_inside_a_value_is_refused_with_its_full_pointer()
    {
        var value = JsonDocument.Parse("""{"a": [1, {"b/c": "x\u0000"}]}""").RootElement;
        var e = Assert.Throws<PythonLiteralException>(() => PythonLiteral.Encode(value, "/spec/tasks/0/config"))!;
        Assert.That(e.Pointer, Is.EqualTo("/spec/tasks/0/config/a/1/b~1c"));
    }

    [Test]
    public void An_unpaired_surrogate_is_refused()
    {
        var e = Assert.Throws<PythonLiteralException>(() => PythonLiteral.String("x\ud83d", "/metadata/description"))!;
        Assert.That(e.Message, Does.Contain("unpaired UTF-16 surrogate (U+D83D)"));
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Non_finite_floats_are_refused(double value)
    {
        Assert.Throws<PythonLiteralException>(() => PythonLiteral.Encode(value));
    }

    [Test]
    public void Json_numbers_keep_their_python_type_and_absurd_ones_are_refused()
    {
        Assert.That(PythonLiteral.Encode(Json("[1, -0, 1.0, 2.5e-7, 12345678901234567890123]")), Is.EqualTo("[1, -0, 1.0, 2.5e-7, 12345678901234567890123]"));
        Assert.Throws<PythonLiteralException>(() => PythonLiteral.Encode(Json("1e400")));
        Assert.Throws<PythonLiteralException>(() => PythonLiteral.Encode(Json(new string('9', 4500))), "CPython refuses integer literals over 4,300 digits");
    }

    [Test]
    public void Dotnet_primitives_lists_and_dictionaries_become_python_literals()
    {
        var value = new Dictionary<string, object?>
        {
            ["none"] = null,
            ["flags"] = new[] { true, false },
            ["numbers"] = new object[] { 1, -2L, 3.0, 0.1, 1e300, 1.5f, 2.50m },
            ["nested"] = new Dictionary<string, object?> { ["empty"] = new List<int>() },
        };
        Assert.That(
            PythonLiteral.Encode(value),
            Is.EqualTo("""{"none": None, "flags": [True, False], "numbers": [1, -2, 3.0, 0.1, 1e+300, 1.5, 2.50], "nested": {"empty": []}}"""));
        Assert.Throws<PythonLiteralException>(() => PythonLiteral.Encode(new Dictionary<int, string> { [1] = "x" }), "keys must be text");
        Assert.Throws<PythonLiteralException>(() => PythonLiteral.Encode(new object()), "unknown types are refused, not ToString()-ed");
    }

    [Test]
    public void Long_containers_are_spread_over_lines_with_trailing_commas_and_short_ones_stay_on_one()
    {
        Assert.That(PythonLiteral.Encode(Json("""{"a": [1, 2]}"""), "", 8), Is.EqualTo("""{"a": [1, 2]}"""));
        var longValue = Json("""{"columns": ["customer_id", "customer_name", "signup_date", "segment"], "how": "left"}""");
        Assert.That(PythonLiteral.Encode(longValue, "", 8), Is.EqualTo("""
            {
                        "columns": ["customer_id", "customer_name", "signup_date", "segment"],
                        "how": "left",
                    }
            """.Replace("            {", "{", StringComparison.Ordinal)));
    }

    [Test]
    public void Python_reads_back_every_value_exactly()
    {
        var strings = HostileText.Corpus.Select(c => c.Value).ToList();
        var floats = new[] { 0.1, -0.0, 1e16, 1.0 / 3, double.Epsilon, double.MaxValue, -123.456e-200, 5e-324 };
        var literals = strings.Select(s => PythonLiteral.String(s))
            .Concat(floats.Select(f => PythonLiteral.Encode(f)))
            .Concat(new[] { long.MinValue, long.MaxValue }.Select(l => PythonLiteral.Encode(l)))
            .ToList();

        var results = PythonDagCheck.EvaluateLiterals(literals);

        Assert.That(results, Has.Count.EqualTo(literals.Count));
        for (var i = 0; i < strings.Count; i++)
        {
            var name = HostileText.Corpus[i].Name;
            Assert.That(results[i].GetProperty("utf8").GetString(), Is.EqualTo(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(strings[i]))), $"{name}: UTF-8 bytes");
            Assert.That(results[i].GetProperty("codepoints").GetInt32(), Is.EqualTo(strings[i].EnumerateRunes().Count()), $"{name}: one code point per character, no surrogate pairs");
        }

        for (var i = 0; i < floats.Length; i++)
        {
            var back = double.Parse(results[strings.Count + i].GetProperty("value").GetRawText(), CultureInfo.InvariantCulture);
            Assert.That(BitConverter.DoubleToInt64Bits(back), Is.EqualTo(BitConverter.DoubleToInt64Bits(floats[i])), $"float {floats[i]:R} round-trips");
        }

        Assert.That(results[^2].GetProperty("value").GetInt64(), Is.EqualTo(long.MinValue));
        Assert.That(results[^1].GetProperty("value").GetInt64(), Is.EqualTo(long.MaxValue));
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
