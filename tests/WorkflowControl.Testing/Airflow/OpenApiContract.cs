using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using WorkflowControl.Airflow;
using YamlDotNet.RepresentationModel;

namespace WorkflowControl.Testing.Airflow;

/// <summary>One HTTP exchange between the client and the stub Airflow, as seen on the wire.</summary>
public sealed record Exchange(
    string Method,
    string Path,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Query,
    IReadOnlyDictionary<string, string> RequestHeaders,
    string? RequestBody,
    int Status,
    string? ResponseContentType,
    string ResponseBody)
{
    public override string ToString() => $"{Method} {Path} -> {Status}";
}

/// <summary>
/// An official Airflow OpenAPI document (contract/), able to say whether a request the client sent and the
/// answer a stub gave are allowed by it: operation, path and query parameters, request body, status, content
/// type and response body (JSON Schema, with OpenAPI 3.0's "nullable" translated for the 2.x document).
/// </summary>
public sealed class OpenApiContract
{
    private static readonly Lazy<OpenApiContract> LazyV1 = new(() => new OpenApiContract("v1-2.10.yaml", "/api/v1", openApi30: true));
    private static readonly Lazy<OpenApiContract> LazyV2 = new(() => new OpenApiContract("v2-3.2.yaml", "", openApi30: false));

    private readonly JsonObject _doc;
    private readonly Uri _uri;
    private readonly string _schemaBase;
    private readonly string _serverPrefix;
    private readonly bool _v1;
    private readonly List<(string Template, string[] Segments, JsonObject PathItem)> _paths = [];

    private OpenApiContract(string file, string serverPrefix, bool openApi30)
    {
        _v1 = openApi30;
        _serverPrefix = serverPrefix;
        _uri = new Uri("https://contract.workflowcontrol.test/" + file);
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(AppContext.BaseDirectory, "contract", file)))
        {
            yaml.Load(reader);
        }

        _schemaBase = _uri + "/schemas/";
        var node = AbsoluteRefs(FromYaml(yaml.Documents[0].RootNode), _schemaBase);
        if (openApi30)
        {
            node = Nullable(node);
        }

        _doc = (JsonObject)node!;
        if (openApi30)
        {
            ApplyKnownV1Deviations(_doc);
        }

        // Each component schema becomes a schema resource of its own, so references between them resolve.
        foreach (var (name, schema) in (JsonObject)_doc["components"]!["schemas"]!)
        {
            var resource = schema!.DeepClone().AsObject();
            resource["$id"] = _schemaBase + name;
            SchemaRegistry.Global.Register(JsonSchema.FromText(resource.ToJsonString()));
        }
        foreach (var (template, item) in (JsonObject)_doc["paths"]!)
        {
            _paths.Add((template, Segments(serverPrefix + template), (JsonObject)item!));
        }
    }

    public static OpenApiContract V1 => LazyV1.Value;

    public static OpenApiContract V2 => LazyV2.Value;

    public static OpenApiContract For(AirflowGeneration generation) => generation == AirflowGeneration.V1 ? V1 : V2;

    /// <summary>Every way the exchange breaks the document; empty when it conforms.</summary>
    public IReadOnlyList<string> Check(Exchange exchange) => Check(exchange, checkResponse: true);

    /// <summary>Checks only the request: for probes answered by the other generation's server (a 404, not this document's answer).</summary>
    public IReadOnlyList<string> CheckRequest(Exchange exchange) => Check(exchange, checkResponse: false);

    private List<string> Check(Exchange exchange, bool checkResponse)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var problems = new List<string>();
        if (!_v1 && exchange.Path == "/auth/token")
        {
            CheckAuthToken(exchange, problems);
            return problems;
        }

        var match = Match(exchange.Method, exchange.Path);
        if (match is null)
        {
            problems.Add($"{exchange.Method} {exchange.Path}: no such operation in the document");
            return problems;
        }

        var (template, pathItem, operation, pathValues) = match.Value;
        var where = $"{exchange.Method} {template}";
        var parameters = Parameters(pathItem).Concat(Parameters(operation)).ToList();
        CheckParameters(where, parameters, pathValues, exchange, problems);
        CheckRequestBody(where, operation, exchange, problems);
        if (checkResponse)
        {
            CheckResponse(where, template, exchange, operation, problems);
        }

        return problems;
    }

    /// <summary>Validates a JSON value against a named component schema (components/schemas/NAME).</summary>
    public IReadOnlyList<string> CheckSchema(string componentName, JsonNode? value) =>
        Validate(new JsonObject { ["$ref"] = _schemaBase + componentName }, value, componentName);

    private (string Template, JsonObject PathItem, JsonObject Operation, Dictionary<string, string> PathValues)? Match(string method, string path)
    {
        var segments = Segments(path);
        var candidates = new List<(string, JsonObject, JsonObject, Dictionary<string, string>, int)>();
        foreach (var (template, templateSegments, item) in _paths)
        {
            if (templateSegments.Length != segments.Length || item[method.ToLowerInvariant()] is not JsonObject operation)
            {
                continue;
            }

            var values = new Dictionary<string, string>();
            var literals = 0;
            var ok = true;
            for (var i = 0; i < segments.Length && ok; i++)
            {
                var t = templateSegments[i];
                if (t.StartsWith('{') && t.EndsWith('}'))
                {
                    values[t[1..^1]] = segments[i];
                }
                else if (t == segments[i])
                {
                    literals++;
                }
                else
                {
                    ok = false;
                }
            }

            if (ok)
            {
                candidates.Add((template, item, operation, values, literals));
            }
        }

        // "/dags/~/dagRuns/list" beats "/dags/{dag_id}/dagRuns/{dag_run_id}": most literal segments win.
        var best = candidates.OrderByDescending(c => c.Item5).FirstOrDefault();
        return best.Item1 is null ? null : (best.Item1, best.Item2, best.Item3, best.Item4);
    }

    private IEnumerable<JsonObject> Parameters(JsonObject owner) =>
        owner["parameters"] is JsonArray list ? list.Select(p => Resolve((JsonObject)p!)) : [];

    private void CheckParameters(string where, List<JsonObject> parameters, Dictionary<string, string> pathValues, Exchange exchange, List<string> problems)
    {
        foreach (var (name, values) in exchange.Query)
        {
            var declared = parameters.FirstOrDefault(p => (string?)p["in"] == "query" && (string?)p["name"] == name);
            if (declared is null)
            {
                problems.Add($"{where}: query parameter '{name}' is not documented");
                continue;
            }

            var schema = (JsonObject)declared["schema"]!;
            JsonNode? value = IsArray(schema)
                ? new JsonArray([.. values.Select(v => Typed(v, ItemsOf(schema)))])
                : Typed(values[0], schema);
            problems.AddRange(Validate(schema, value, $"{where}: query '{name}'"));
        }

        foreach (var p in parameters.Where(p => (bool?)p["required"] == true))
        {
            var name = (string)p["name"]!;
            var present = (string?)p["in"] switch
            {
                "query" => exchange.Query.ContainsKey(name),
                "path" => pathValues.ContainsKey(name),
                "header" => exchange.RequestHeaders.Keys.Any(h => h.Equals(name, StringComparison.OrdinalIgnoreCase)),
                _ => true,
            };
            if (!present)
            {
                problems.Add($"{where}: required {(string?)p["in"]} parameter '{name}' is missing");
            }
        }

        foreach (var (name, raw) in pathValues)
        {
            var declared = parameters.FirstOrDefault(p => (string?)p["in"] == "path" && (string?)p["name"] == name);
            if (declared is null)
            {
                problems.Add($"{where}: path parameter '{name}' is not documented");
                continue;
            }

            problems.AddRange(Validate((JsonObject)declared["schema"]!, Typed(raw, (JsonObject)declared["schema"]!), $"{where}: path '{name}'"));
        }

        foreach (var header in parameters.Where(p => (string?)p["in"] == "header"))
        {
            var name = (string)header["name"]!;
            var sent = exchange.RequestHeaders.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
            if (sent is not null)
            {
                problems.AddRange(Validate((JsonObject)header["schema"]!, JsonValue.Create(sent), $"{where}: header '{name}'"));
            }
        }
    }

    private void CheckRequestBody(string where, JsonObject operation, Exchange exchange, List<string> problems)
    {
        var hasBody = !string.IsNullOrEmpty(exchange.RequestBody);
        if (operation["requestBody"] is not JsonObject requestBody)
        {
            if (hasBody)
            {
                problems.Add($"{where}: sends a body, the operation takes none");
            }

            return;
        }

        requestBody = Resolve(requestBody);
        if (!hasBody)
        {
            if ((bool?)requestBody["required"] == true)
            {
                problems.Add($"{where}: the required request body is missing");
            }

            return;
        }

        var contentType = exchange.RequestHeaders.FirstOrDefault(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value ?? "";
        if (!contentType.StartsWith("application/json", StringComparison.Ordinal) || requestBody["content"]?["application/json"]?["schema"] is not JsonObject schema)
        {
            problems.Add($"{where}: request content type '{contentType}' is not documented");
            return;
        }

        JsonNode? body;
        try
        {
            body = JsonNode.Parse(exchange.RequestBody!);
        }
        catch (JsonException e)
        {
            problems.Add($"{where}: request body is not JSON: {e.Message}");
            return;
        }

        problems.AddRange(Validate(schema, body, $"{where}: request body"));
        if (_v1 && body is JsonObject sent)
        {
            // 2.10 refuses fields its schema does not declare (recorded 16: 400 "Unknown field"), though the
            // document does not say additionalProperties: false. Hold the client to the stricter server.
            var declared = DeclaredProperties(schema);
            foreach (var (name, _) in sent)
            {
                if (!declared.Contains(name))
                {
                    problems.Add($"{where}: request body field '{name}' is not declared (2.10 answers 400 Unknown field)");
                }
            }
        }
    }

    private void CheckResponse(string where, string template, Exchange exchange, JsonObject operation, List<string> problems)
    {
        var responses = (JsonObject)operation["responses"]!;
        var status = exchange.Status.ToString(CultureInfo.InvariantCulture);
        var declared = responses[status] ?? responses["default"];
        if (declared is null && KnownUndocumentedStatus(exchange.Method, template, exchange.Status) is { } allowedAs)
        {
            declared = responses[allowedAs];
        }

        if (declared is null)
        {
            problems.Add($"{where}: status {status} is not documented");
            return;
        }

        var response = Resolve((JsonObject)declared);
        var isEmpty = string.IsNullOrEmpty(exchange.ResponseBody);
        if (response["content"] is not JsonObject content || content.Count == 0)
        {
            if (!isEmpty)
            {
                problems.Add($"{where}: status {status} has no content in the document, the stub sent a body");
            }

            return;
        }

        if (isEmpty)
        {
            // 2.x 201/204 answers are empty whatever the document shows (recorded 11, 39); 3.x reparse/delete too.
            if (exchange.Status is not (201 or 204))
            {
                problems.Add($"{where}: status {status} must have a body");
            }

            return;
        }

        var mediaType = (exchange.ResponseContentType ?? "").Split(';')[0].Trim();
        var media = content[mediaType];
        if (media is null && _v1 && mediaType == "application/problem+json" && exchange.Status >= 400)
        {
            // Real 2.10 sends errors as application/problem+json, the document says application/json (recorded README #2).
            media = content["application/json"];
        }

        if (media is null)
        {
            problems.Add($"{where}: content type '{mediaType}' is not documented for status {status}");
            return;
        }

        if (media["schema"] is not JsonObject schema || !mediaType.Contains("json", StringComparison.Ordinal))
        {
            return;
        }

        JsonNode? body;
        try
        {
            body = JsonNode.Parse(exchange.ResponseBody);
        }
        catch (JsonException e)
        {
            problems.Add($"{where}: response body is not JSON: {e.Message}");
            return;
        }

        problems.AddRange(Validate(schema, body, $"{where}: {status} body"));
    }

    /// <summary>Statuses real Airflow answers that its document leaves out (FACTS.md, recorded README), mapped to a documented one.</summary>
    private string? KnownUndocumentedStatus(string method, string template, int status) => (_v1, method, template, status) switch
    {
        // 2.10 with FAB's public role answers 403 for a wrong or missing password (recorded 41, 42).
        (true, _, _, 403) => "401",
        // 3.x DELETE /dags/{dag_id} answers 204 although the document says 200 (FACTS.md section 7).
        (false, "DELETE", "/api/v2/dags/{dag_id}", 204) => "200",
        _ => null,
    };

    private static void CheckAuthToken(Exchange exchange, List<string> problems)
    {
        // Not in the document: served by the auth manager (FACTS.md section 2). Body {username, password}, 201 {access_token}.
        if (exchange.Method != "POST")
        {
            problems.Add("/auth/token: only POST is used by clients");
        }

        var body = exchange.RequestBody is null ? null : JsonNode.Parse(exchange.RequestBody) as JsonObject;
        if (body is null || body.Count != 2 || body["username"] is not JsonValue || body["password"] is not JsonValue)
        {
            problems.Add("/auth/token: the body must be exactly {username, password}");
        }

        if (exchange.Status == 201 && JsonNode.Parse(exchange.ResponseBody)?["access_token"] is not JsonValue)
        {
            problems.Add("/auth/token: 201 must carry access_token");
        }

        if (exchange.Status is not (201 or 400 or 401 or 415 or 422 or 429 or 503))
        {
            problems.Add($"/auth/token: status {exchange.Status} is not one the auth manager answers");
        }
    }

    private static IReadOnlyList<string> Validate(JsonObject schemaNode, JsonNode? value, string where)
    {
        var schema = JsonSchema.FromText(schemaNode.ToJsonString());
        var result = schema.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
            .Distinct()
            .Take(8)
            .ToList();
        return [$"{where} does not match the document: {string.Join("; ", errors)} (value {Short(value)})"];
    }

    private static string Short(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    private HashSet<string> DeclaredProperties(JsonObject schema)
    {
        var names = new HashSet<string>();
        void Collect(JsonObject s)
        {
            s = ResolveSchema(s);
            if (s["properties"] is JsonObject props)
            {
                foreach (var (name, _) in props)
                {
                    names.Add(name);
                }
            }

            foreach (var key in new[] { "allOf", "anyOf", "oneOf" })
            {
                if (s[key] is JsonArray parts)
                {
                    foreach (var part in parts.OfType<JsonObject>())
                    {
                        Collect(part);
                    }
                }
            }
        }

        Collect(schema);
        return names;
    }

    private JsonObject Resolve(JsonObject node) => ResolveSchema(node);

    private JsonObject ResolveSchema(JsonObject node)
    {
        while (node["$ref"] is JsonValue reference && node.Count == 1)
        {
            var target = (string)reference!;
            var pointer = target.StartsWith(_schemaBase, StringComparison.Ordinal)
                ? "/components/schemas/" + target[_schemaBase.Length..]
                : target.Split('#', 2)[1];
            JsonNode current = _doc;
            foreach (var part in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = current[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!;
            }

            node = (JsonObject)current;
        }

        return node;
    }

    private bool IsArray(JsonObject schema) => TypeOf(ResolveSchema(schema)) == "array"
        || (schema["anyOf"] is JsonArray any && any.OfType<JsonObject>().Any(a => TypeOf(a) == "array"));

    private JsonObject ItemsOf(JsonObject schema)
    {
        schema = ResolveSchema(schema);
        if (schema["items"] is JsonObject items)
        {
            return items;
        }

        return schema["anyOf"] is JsonArray any
            ? any.OfType<JsonObject>().Select(a => a["items"]).OfType<JsonObject>().FirstOrDefault() ?? []
            : [];
    }

    private static string? TypeOf(JsonObject schema) => schema["type"] switch
    {
        JsonValue v => (string?)v,
        JsonArray a => a.Select(x => (string?)x).FirstOrDefault(x => x != "null"),
        _ => null,
    };

    /// <summary>A query or path string as the JSON value its schema expects (integer, number, boolean or string).</summary>
    private JsonNode? Typed(string raw, JsonObject schema)
    {
        schema = ResolveSchema(schema);
        var types = schema["type"] is JsonArray a ? a.Select(x => (string?)x).ToList() : [TypeOf(schema)];
        if (schema["anyOf"] is JsonArray any)
        {
            types.AddRange(any.OfType<JsonObject>().Select(TypeOf));
        }

        if (types.Contains("integer") && long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (types.Contains("number") && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        if (types.Contains("boolean") && raw is "true" or "false")
        {
            return raw == "true";
        }

        return raw;
    }

    private static string[] Segments(string path) =>
        [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString)];

    private static JsonNode? FromYaml(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, FromYaml(kv.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(FromYaml)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException("unexpected YAML node " + node.NodeType),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
        {
            return value;
        }

        return value switch
        {
            "null" or "~" or "" => null,
            "true" or "True" => true,
            "false" or "False" => false,
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            _ when value.Any(c => c is '.' or 'e' or 'E') && value.Any(char.IsDigit)
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !value.Contains("..", StringComparison.Ordinal) => d,
            _ => value,
        };
    }

    /// <summary>Points every "#/components/schemas/X" reference at schema resource X, so any fragment of the document is a standalone schema.</summary>
    private static JsonNode? AbsoluteRefs(JsonNode? node, string schemaBase)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = key == "$ref" && value is JsonValue v && ((string?)v)?.StartsWith("#/components/schemas/", StringComparison.Ordinal) == true
                        ? schemaBase + ((string)v!)["#/components/schemas/".Length..]
                        : AbsoluteRefs(value, schemaBase);
                }

                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(i => AbsoluteRefs(i, schemaBase))]);
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>OpenAPI 3.0 "nullable: true" as JSON Schema: add "null" to type/enum, or allow null beside a $ref/allOf.</summary>
    private static JsonNode? Nullable(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = Nullable(value);
                }

                if (copy["nullable"] is JsonValue n && n.TryGetValue<bool>(out var isNullable) && isNullable)
                {
                    copy.Remove("nullable");
                    if (copy["type"] is JsonValue type)
                    {
                        copy["type"] = new JsonArray((string?)type, "null");
                        if (copy["enum"] is JsonArray values && !values.Any(x => x is null))
                        {
                            values.Add(null);
                        }
                    }
                    else
                    {
                        return new JsonObject { ["anyOf"] = new JsonArray(copy, new JsonObject { ["type"] = "null" }) };
                    }
                }

                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(Nullable)]);
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>Where real 2.10 differs from its own document (recorded-2.10.0/README.md, "Mismatches").</summary>
    private static void ApplyKnownV1Deviations(JsonObject doc)
    {
        // #3: Error.detail is null on 403/404 answers (recorded 12, 27, 41, 42).
        var detail = doc["components"]!["schemas"]!["Error"]!["properties"]!["detail"]!.AsObject();
        detail["type"] = new JsonArray("string", "null");
    }
}
