using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Database;

namespace WorkflowControl.Api.Tests.Infrastructure.Database;

public sealed class MigrationLoggingTests
{
    /// <summary>Regression: DbUp's EnsureDatabase printed "Master ConnectionString => ..." to the console, password included.</summary>
    [Test]
    public void Migrating_at_start_up_prints_no_connection_string_or_password()
    {
        var password = "db-password-" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = new NpgsqlConnectionStringBuilder(ApiFixture.ConnectionString) { Password = password }.ConnectionString;
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(output));
        try
        {
            DatabaseSetup.Migrate(connectionString, NullLogger.Instance);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.That(output.ToString(), Does.Not.Contain(password).And.Not.Contain("ConnectionString"));
    }
}
