"use client";
import { useState } from "react";
import type { WorkflowSummary } from "@/lib/api/types";
import { Dialog } from "@/features/shared/Dialog";

/** Asks before deleting: what goes (versions, the DAG in Airflow, its run results if asked) and what stays. */
export function DeleteWorkflowDialog({ workflow, onDelete, onClose }: { workflow: WorkflowSummary | null; onDelete: (w: WorkflowSummary, withResults: boolean) => void; onClose: () => void }) {
  const [deleteResults, setDeleteResults] = useState(false);
  return (
    <Dialog title="Delete workflow?" open={workflow !== null} onClose={onClose}>
      <p>
        “{workflow?.name}” and its versions will be deleted, and its DAG is removed from Airflow. Run history
        stays in Airflow. This cannot be undone.
      </p>
      <label className="inline">
        <input type="checkbox" checked={deleteResults} onChange={(e) => setDeleteResults(e.target.checked)} />
        Also delete its run results (tables, charts and reports its runs wrote); files exported to the data folder stay
      </label>
      <div className="row">
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            if (workflow) onDelete(workflow, deleteResults);
          }}
        >
          Delete
        </button>
        <button type="button" onClick={onClose}>Keep it</button>
      </div>
    </Dialog>
  );
}
