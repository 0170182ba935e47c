"use client";
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { api } from "@/lib/api/client";
import { roleRank, type VersionDetail, type VersionSummary, type WorkflowDetail, type WorkflowDocument } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { formatDateTime } from "@/features/shared/format";
import { subscribeWorkflow } from "@/lib/realtime/hub";
import { changesOnCanvasHref, diffVersions, highlights, type FieldChange } from "@/features/document/versionDiff";
import { showValue, sizeText } from "./diff";
import { DiffGraph } from "./DiffGraph";

const CUT_TEXT: Record<VersionSummary["cut"], string> = {
  editing: "being edited",
  pause: "",
  named: "",
  deployed: "",
  restored: "",
  restore: "",
};

/** The two versions compared, older first: the newest two unless the reader picked others. */
export function comparedPair(versions: VersionSummary[], picked: number[]): [number, number] | null {
  const chosen = picked.length === 2 ? picked : versions.slice(0, 2).map((v) => v.version);
  if (chosen.length < 2) return null;
  const [a, b] = [...chosen].sort((x, y) => x - y) as [number, number];
  return [a, b];
}

/** Versions of a workflow with who, when, how much and where deployed; a diff of two; restore and naming. */
export function HistoryScreen({ workflowId }: { workflowId: string }) {
  const [workflow, setWorkflow] = useState<WorkflowDetail | null>(null);
  const [versions, setVersions] = useState<VersionSummary[] | null>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const [documents, setDocuments] = useState<Record<number, WorkflowDocument>>({});
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const router = useRouter();

  const load = useCallback(async () => {
    try {
      const [detail, list] = await Promise.all([
        api.get<WorkflowDetail>(`/workflows/${workflowId}`),
        api.get<VersionSummary[]>(`/workflows/${workflowId}/versions`),
      ]);
      setWorkflow(detail);
      setVersions(list);
    } catch (e) {
      setError(e);
    }
  }, [workflowId]);

  useEffect(() => {
    void load();
    return subscribeWorkflow(workflowId, () => void load());
  }, [workflowId, load]);

  const pair = useMemo(() => (versions ? comparedPair(versions, picked) : null), [versions, picked]);
  // Stored versions never change, so each is read once.
  const requested = useRef(new Set<number>());
  useEffect(() => {
    for (const v of pair ?? []) {
      if (requested.current.has(v)) continue;
      requested.current.add(v);
      api.get<VersionDetail>(`/workflows/${workflowId}/versions/${v}`).then(
        (d) => setDocuments((m) => ({ ...m, [v]: d.document })),
        (e) => {
          requested.current.delete(v);
          setError(e);
        },
      );
    }
  }, [pair, workflowId]);

  const canEdit = workflow ? (roleRank[workflow.role] ?? 0) >= roleRank.edit : false;

  const pick = (version: number, on: boolean) =>
    setPicked((p) => {
      const base = p.length === 0 && pair ? [...pair] : p;
      return on ? [...base.filter((v) => v !== version), version].slice(-2) : base.filter((v) => v !== version);
    });

  async function restore(version: number) {
    setBusy(true);
    setError(null);
    try {
      const restored = await api.post<WorkflowDetail>(`/workflows/${workflowId}/versions/${version}/restore`);
      setNotice(restored.version === workflow?.version ? `Version ${version} is the same as the current one: nothing to restore.` : `Version ${version} restored as version ${restored.version}.`);
      setPicked([]);
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function nameCurrent(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const named = await api.post<VersionSummary>(`/workflows/${workflowId}/versions`, { name });
      setNotice(`Version ${named.version} is named “${named.name}”. Your next change starts a new version.`);
      setName("");
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const before = pair ? documents[pair[0]] : undefined;
  const after = pair ? documents[pair[1]] : undefined;
  const diff = useMemo(() => (before && after ? diffVersions(before, after) : null), [before, after]);
  const newest = versions?.[0]?.version;

  return (
    <main className="page">
      <p className="row">
        <Link href={`/workflows/${workflowId}`}>← Back to the editor</Link>
        <Link href={`/workflows/${workflowId}/runs`}>Runs</Link>
      </p>
      <h1>History{workflow ? `: ${workflow.document.metadata.name}` : ""}</h1>
      <p className="hint">
        A version is one stretch of editing: it ends after half a minute without changes, when it is deployed or restored, or when you name it. Pick two versions to compare them.
      </p>
      {error !== null && <ErrorMessage error={error} doing="show the history" />}
      {notice && <p className="notice" role="status">{notice}</p>}
      {canEdit && (
        <form className="row" onSubmit={nameCurrent} style={{ margin: "8px 0 12px" }}>
          <label style={{ flex: 1 }}>
            Name the current version
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="e.g. Ready for review" />
          </label>
          <button type="submit" disabled={busy || name.trim() === ""}>Name version</button>
        </form>
      )}
      {versions === null ? (
        error === null && <p className="muted" role="status">Loading versions…</p>
      ) : (
        <div className="history">
          <table className="grid" aria-label="Versions">
            <thead>
              <tr><th>Compare</th><th>Version</th><th>Author</th><th>Time</th><th>Change</th><th>Deployed</th><th /></tr>
            </thead>
            <tbody>
              {versions.map((v) => {
                const on = pair?.includes(v.version) ?? false;
                return (
                  <tr key={v.version} className={on ? "picked" : undefined} data-version={v.version}>
                    <td><input type="checkbox" style={{ width: "auto" }} checked={on} onChange={(e) => pick(v.version, e.target.checked)} aria-label={`Compare version ${v.version}`} /></td>
                    <td>
                      <strong>v{v.version}</strong>
                      {v.name && <> <span className="tag">{v.name}</span></>}
                      {CUT_TEXT[v.cut] && <span className="hint"> {CUT_TEXT[v.cut]}</span>}
                      {v.restoredFrom !== null && <span className="hint"> restored from v{v.restoredFrom}</span>}
                      <span className="hint" style={{ display: "block" }}>{v.edits === 1 ? "1 edit" : `${v.edits} edits`}</span>
                    </td>
                    <td title={v.authors.join(", ")}>{v.author}{v.authors.length > 1 ? <span className="hint"> +{v.authors.length - 1}</span> : null}</td>
                    <td className="when">{formatDateTime(v.createdAt)}</td>
                    <td>{sizeText(v.changes)}</td>
                    <td>
                      {v.deployments.length === 0 ? <span className="hint">—</span> : v.deployments.map((d) => (
                        <span key={d.id} className={`badge ${d.state}`} title={`by ${d.createdByName}`} style={{ display: "block", marginBottom: 2 }}>
                          {formatDateTime(d.createdAt)}{d.active && d.state !== "superseded" ? " · live" : ""}
                        </span>
                      ))}
                    </td>
                    <td>
                      {canEdit && v.version !== newest && (
                        <button type="button" className="small" disabled={busy} onClick={() => void restore(v.version)}>Restore v{v.version}</button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <section aria-label="Differences">
            {!pair ? (
              <p className="muted">There is only one version so far.</p>
            ) : !diff || !before || !after ? (
              <p className="muted" role="status">Comparing…</p>
            ) : (
              <>
                <div className="row">
                  <h2 style={{ flex: 1 }}>Changes from v{pair[0]} to v{pair[1]}</h2>
                  {/* The editor compares with the document as it is now, which may be newer than the second version. */}
                  {pair[1] !== newest && <span className="hint">on the canvas: v{pair[0]} against the current workflow</span>}
                  <button type="button" className="small" onClick={() => router.push(changesOnCanvasHref(workflowId, pair[0]))} title={`Mark on the editor's canvas what changed from v${pair[0]} to the current workflow`}>
                    Show on canvas
                  </button>
                </div>
                <DiffGraph before={before} after={after} marks={highlights(diff)} />
                {diff.steps.length === 0 && diff.settings.length === 0 && (
                  <p className="muted">{diff.moved.length ? "Only positions on the canvas changed." : "No differences."}</p>
                )}
                {diff.steps.map((s) => (
                  <div key={s.id} className="step-diff" data-step={s.id}>
                    <h3><span className={`badge ${s.kind === "added" ? "success" : s.kind === "removed" ? "failed" : "written"}`}>{s.kind}</span> {s.id} <span className="hint">{s.type}</span></h3>
                    <Sides changes={s.fields} from={pair[0]} to={pair[1]} />
                  </div>
                ))}
                {diff.settings.length > 0 && (
                  <div className="step-diff">
                    <h3>Workflow settings</h3>
                    <Sides changes={diff.settings} from={pair[0]} to={pair[1]} />
                  </div>
                )}
                {diff.moved.length > 0 && <p className="hint">Moved on the canvas: {diff.moved.join(", ")}</p>}
              </>
            )}
          </section>
        </div>
      )}
    </main>
  );
}

/** Fields side by side: the older version's value left, the newer one's right. */
function Sides({ changes, from, to }: { changes: FieldChange[]; from: number; to: number }) {
  if (changes.length === 0) return null;
  return (
    <table className="grid sides">
      <thead><tr><th>Field</th><th>v{from}</th><th>v{to}</th></tr></thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.field}>
            <th scope="row">{c.field}</th>
            <td className="before">{showValue(c.before)}</td>
            <td className="after">{showValue(c.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
