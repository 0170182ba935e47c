"use client";
import { useMemo } from "react";
import type { DiffChange, WorkflowDetail, WorkflowDocument } from "@/lib/api/types";
import { Dialog } from "@/features/shared/Dialog";
import { diffDocuments } from "@/features/document/diff";

function describe(c: DiffChange): string {
  const where = c.pointer.replace(/^\/spec\/tasks\//, "step ").replace(/^\/metadata\//, "").replace(/^\/spec\//, "").replace(/^\/layout\/nodes\/([^/]+).*/, "position of $1").replace(/\//g, " › ");
  const show = (v: unknown) => (v === undefined ? "" : JSON.stringify(v).slice(0, 60));
  if (c.kind === "added") return `${where}: added ${show(c.after)}`;
  if (c.kind === "removed") return `${where}: removed`;
  return `${where}: ${show(c.before)} → ${show(c.after)}`;
}

function ChangeList({ changes, label }: { changes: DiffChange[]; label: string }) {
  return (
    <section aria-label={label}>
      <h3>{label} ({changes.length})</h3>
      <ul className="diff-list">
        {changes.slice(0, 50).map((c) => <li key={`${c.kind}${c.pointer}`}>{describe(c)}</li>)}
        {changes.length === 0 && <li className="muted">No changes</li>}
      </ul>
    </section>
  );
}

export function ConflictDialog(props: {
  current: WorkflowDetail | null;
  base: WorkflowDocument | null;
  mine: WorkflowDocument | null;
  onKeepMine: () => void;
  onReload: () => void;
  onSaveCopy: () => void;
  onClose: () => void;
}) {
  const { current, base, mine } = props;
  const theirs = useMemo(() => (current && base ? diffDocuments(base, current.document) : []), [current, base]);
  // Only while the dialog is open: otherwise every edit of a 500-step workflow would diff it against the base.
  const my = useMemo(() => (current && mine && base ? diffDocuments(base, mine) : []), [current, mine, base]);
  return (
    <Dialog title="Someone else saved this workflow" open={current !== null} onClose={props.onClose} wide>
      <p>
        Version {current?.version} was saved while you were editing. Your work is kept in this tab and in
        this browser until you decide.
      </p>
      <div className="row" style={{ alignItems: "flex-start" }}>
        <div style={{ flex: 1 }}><ChangeList changes={theirs} label="Their changes" /></div>
        <div style={{ flex: 1 }}><ChangeList changes={my} label="Your changes" /></div>
      </div>
      <div className="row">
        <button type="button" className="primary" onClick={props.onKeepMine}>Apply my changes on top of theirs</button>
        <button type="button" onClick={props.onSaveCopy}>Save mine as a copy</button>
        <button type="button" className="danger" onClick={props.onReload}>Discard mine and reload</button>
      </div>
    </Dialog>
  );
}
