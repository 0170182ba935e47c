namespace WorkflowControl.Api.Infrastructure.Realtime;

/// <summary>
/// Messages to every browser showing one workflow. Features that change a workflow or its runs talk to this, not to
/// the hub: the hub (Features/Collaboration) implements it, so no feature depends on collaboration to reach the browsers.
/// </summary>
public interface IWorkflowChannel
{
    Task SendAsync(Guid workflowId, string message, object payload, CancellationToken ct = default);
}

/// <summary>The hub group of a workflow's live clients, one name for the hub and for everything that sends to them.</summary>
public static class WorkflowGroups
{
    public static string Of(Guid workflowId) => "workflow:" + workflowId.ToString("N");
}

/// <summary>The workflow-wide messages, worded once.</summary>
public static class WorkflowMessages
{
    /// <summary>A version that did not come from an operation (a save through the API, a restore): editors join again.</summary>
    public static Task DocumentChangedAsync(this IWorkflowChannel channel, Guid workflowId, int version) =>
        channel.SendAsync(workflowId, "documentChanged", new { workflowId, version });
}
