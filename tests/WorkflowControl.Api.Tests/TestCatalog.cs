using WorkflowControl.Core.Catalog;

namespace WorkflowControl.Api.Tests;

/// <summary>
/// Two task types with a known schema, so API tests do not depend on the details of the real catalog;
/// the real catalog is checked against the Python library by its own tests.
/// </summary>
public static class TestCatalog
{
    public static EmbeddedTaskCatalog Instance { get; } = new(
    [
        """
        {"id":"test.source","category":"extract","title":"Test source","description":"Produces rows.","icon":"database",
         "inputs":[],"outputs":[{"name":"data","kind":"table"}],"preview":true,
         "configSchema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,"required":["path"],
           "properties":{"path":{"type":"string","title":"Path","description":"Where to read.","minLength":1},
                         "rows":{"type":"integer","title":"Rows","description":"How many.","minimum":1,"default":10}}}}
        """,
        """
        {"id":"test.step","category":"transform","title":"Test step","description":"Changes rows.","icon":"filter",
         "inputs":[{"name":"data","title":"Data"}],"outputs":[{"name":"data","kind":"table"}],"preview":true,
         "configSchema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
           "properties":{"expression":{"type":"string","title":"Expression","description":"What to do."}}}}
        """,
        """
        {"id":"test.any","category":"utility","title":"Test anything","description":"Takes any options (hostile-input and fuzz tests).","icon":"filter",
         "inputs":[],"outputs":[],"preview":false,
         "configSchema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
           "properties":{"options":{"title":"Options","description":"Any JSON value."}}}}
        """,
    ]);
}
