"use client";
import type { WorkflowSummary } from "@/lib/api/types";
import { Dialog } from "@/features/shared/Dialog";

/** Asks before deleting: what goes (versions, the DAG in Airflow) and what stays. */
export function DeleteWorkflowDialog({ workflow, onDelete, onClose }: { workflow: WorkflowSummary | null; onDelete: (w: WorkflowSummary) => void; onClose: () => void }) {
  return (
    <Dialog title="Delete workflow?" open={workflow !== null} onClose={onClose}>
      <p>
        “{workflow?.name}” and its versions will be deleted, and its DAG is removed from Airflow. Run history
        stays in Airflow. This cannot be undone.
      </p>
      <div className="row">
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            if (workflow) onDelete(workflow);
          }}
        >
          Delete
        </button>
        <button type="button" onClick={onClose}>Keep it</button>
      </div>
    </Dialog>
  );
}
