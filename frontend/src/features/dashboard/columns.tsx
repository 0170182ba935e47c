// The dashboard table's columns: what each workflow shows and the actions the caller's role allows.
"use client";
import Link from "next/link";
import { createColumnHelper } from "@tanstack/react-table";
import { roleRank, type WorkflowSummary } from "@/lib/api/types";
import { formatDateTime } from "@/features/shared/format";
import { deploymentText, nextRunText } from "./listQuery";

const col = createColumnHelper<WorkflowSummary>();

export interface RowActions {
  open: (w: WorkflowSummary) => void;
  run: (w: WorkflowSummary) => void;
  duplicate: (w: WorkflowSummary) => void;
  askToDelete: (w: WorkflowSummary) => void;
}

export function workflowColumns(userId: string | undefined, actions: RowActions) {
  return [
    col.accessor("name", {
      header: "Name",
      cell: (c) => (
        <div>
          <Link href={`/workflows/${c.row.original.id}`}>{c.getValue()}</Link>
          <div className="hint">{c.row.original.description}</div>
        </div>
      ),
    }),
    col.accessor("tags", { header: "Tags", enableSorting: false, cell: (c) => c.getValue().map((t) => <span key={t} className="tag">{t}</span>) }),
    col.accessor("ownerName", { header: "Owner", enableSorting: false, cell: (c) => (c.row.original.ownerId === userId ? "You" : c.getValue()) }),
    col.accessor("deploymentState", {
      header: "Deployed",
      enableSorting: false,
      cell: (c) => (c.getValue() ? <span className={`badge ${c.getValue()}`}>{deploymentText(c.getValue())}</span> : <span className="muted">{deploymentText(null)}</span>),
    }),
    col.accessor("lastRun", {
      header: "Last run",
      enableSorting: false,
      cell: (c) => {
        const r = c.getValue();
        return r ? (
          <span>
            <span className={`badge ${r.state}`}>{r.state}</span> <span className="hint">{formatDateTime(r.startedAt)}</span>
          </span>
        ) : (
          <span className="muted">never</span>
        );
      },
    }),
    col.accessor("nextRunAt", {
      header: "Next run",
      enableSorting: false,
      cell: (c) => {
        const next = nextRunText(c.row.original);
        return <span className={next.muted ? "muted" : undefined} title={next.title}>{next.text}</span>;
      },
    }),
    col.accessor("updatedAt", { header: "Updated", cell: (c) => formatDateTime(c.getValue()) }),
    col.display({ id: "actions", header: "Actions", cell: (c) => <RowButtons workflow={c.row.original} actions={actions} /> }),
  ];
}

function RowButtons({ workflow: w, actions }: { workflow: WorkflowSummary; actions: RowActions }) {
  const rank = roleRank[w.role] ?? 0;
  return (
    <div className="row">
      <button type="button" className="small" onClick={() => actions.open(w)} aria-label={`Open ${w.name}`}>Open</button>
      {rank >= roleRank.execute && (
        <button type="button" className="small" aria-label={`Run ${w.name}`} onClick={() => actions.run(w)}>Run</button>
      )}
      <button type="button" className="small" aria-label={`Duplicate ${w.name}`} onClick={() => actions.duplicate(w)}>Duplicate</button>
      {rank >= roleRank.owner && (
        <button type="button" className="small danger" aria-label={`Delete ${w.name}`} onClick={() => actions.askToDelete(w)}>Delete</button>
      )}
    </div>
  );
}
