using Microsoft.AspNetCore.Hosting;

namespace WorkflowControl.Testing;

/// <summary>The settings every in-memory API in the tests runs with: its own database, dags folder and stub Airflow.</summary>
public static class TestHost
{
    public static void UseTestSettings(this IWebHostBuilder builder, string connectionString, string signingKey, string dagsRoot, string airflowUrl)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:WorkflowControl", connectionString);
        builder.UseSetting("Auth:SigningKey", signingKey);
        builder.UseSetting("Dags:Root", dagsRoot);
        builder.UseSetting("Airflow:BaseUrl", airflowUrl);
        builder.UseSetting("Airflow:ApiVersion", "V1");
        builder.UseSetting("Airflow:Username", "admin");
        builder.UseSetting("Airflow:Password", "admin");
        builder.UseSetting("Airflow:MaxRetries", "1");
        builder.UseSetting("Airflow:RetryBaseDelay", "00:00:00.050");
        // The background services poll every deployed workflow; tests that need them switch them on in a host of their own.
        builder.UseSetting("Airflow:Tracking:Enabled", "false");
        builder.UseSetting("Airflow:Deployments:Enabled", "false");
        // Every test client comes from one address: only the throttle's own tests keep its per-address limits.
        builder.UseSetting("Auth:Throttle:AddressLimit", "1000000");
        builder.UseSetting("Auth:Throttle:FreeAddressFailures", "100000");
    }
}
