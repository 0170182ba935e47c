using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Npgsql;
using WorkflowControl.Api.Infrastructure.Auth;

namespace WorkflowControl.Api.Features.Audit;

/// <summary>Who did what, when: written in the same transaction as the change it records.</summary>
public static class AuditLog
{
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ClaimsPrincipal actor, string action, Guid? workflowId, object? details, DateTimeOffset at) =>
        connection.ExecuteAsync(
            "INSERT INTO audit_log (at, actor_id, token_id, action, workflow_id, details) VALUES (@at, @actor, @token, @action, @workflowId, @details::jsonb)",
            new
            {
                at = at.UtcDateTime,
                actor = actor.FindFirstValue(WfcClaims.UserId) is { } id ? Guid.Parse(id) : (Guid?)null,
                token = actor.GetTokenId(),
                action,
                workflowId,
                details = JsonSerializer.Serialize(details ?? new { }),
            },
            transaction);
}
