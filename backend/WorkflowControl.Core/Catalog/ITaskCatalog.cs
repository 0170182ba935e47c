namespace WorkflowControl.Core.Catalog;

/// <summary>The task types users may choose from. Loaded through one interface so its source can change.</summary>
public interface ITaskCatalog
{
    IReadOnlyList<TaskType> All { get; }

    TaskType? Find(string id);
}
