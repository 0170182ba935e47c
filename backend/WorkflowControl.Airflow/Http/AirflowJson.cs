using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace WorkflowControl.Airflow.Http;

internal static class AirflowJson
{
    /// <summary>Airflow's JSON is snake_case; absent optional fields are left out (2.10 refuses unknown or extra fields).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static RefitSettings RefitSettings { get; } = new(new SystemTextJsonContentSerializer(Options));
}
