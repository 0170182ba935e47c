namespace WorkflowControl.Core.Permissions;

/// <summary>Roles on a workflow, ordered: each includes everything below it.</summary>
public enum Role
{
    None = 0,
    View = 1,
    Execute = 2,
    Edit = 3,
    Manage = 4,

    /// <summary>The workflow's owner: a manager nobody can remove.</summary>
    Owner = 5,
}

public static class Roles
{
    /// <summary>Roles that can be granted to collaborators, organisation members and API tokens.</summary>
    public static IReadOnlyList<Role> Grantable { get; } = [Role.View, Role.Execute, Role.Edit, Role.Manage];

    public static string ToWire(this Role role) => role.ToString().ToLowerInvariant();

    public static Role? Parse(string? value) => value?.ToLowerInvariant() switch
    {
        "view" => Role.View,
        "execute" => Role.Execute,
        "edit" => Role.Edit,
        "manage" => Role.Manage,
        "owner" => Role.Owner,
        _ => null,
    };

    public static Role Min(Role a, Role b) => a < b ? a : b;

    public static Role Max(Role a, Role b) => a > b ? a : b;
}
