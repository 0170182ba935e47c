"use client";
import { useCallback, useEffect, useMemo, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useShallow } from "zustand/react/shallow";
import { Undo2, Redo2, LayoutGrid, HelpCircle, Save, Users } from "lucide-react";
import { api } from "@/lib/api/client";
import { workflowProblems } from "@/lib/api/problem";
import { roleRank, type ValidationResult, type WorkflowDetail } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { countOf, formatDateTime } from "@/features/shared/format";
import { Dialog } from "@/features/shared/Dialog";
import { useTaskTypes } from "@/features/catalog/useTaskTypes";
import { schemaDefaults } from "@/features/catalog/examples";
import { CollaboratorsDialog } from "@/features/collaborators/CollaboratorsDialog";
import { RunPanel } from "@/features/runs/RunPanel";
import { useCurrentRun } from "@/features/runs/useCurrentRun";
import { DeployControl } from "@/features/runs/DeployControl";
import { useEditor } from "./store";
import { freeTaskId, rebase, type Operation, type Position } from "./document/operations";
import { countIssues, mapProblems, mergeIssues, type IssueMap } from "./document/validation";
import { schemaIssues } from "./config/schemaIssues";
import { Canvas } from "./canvas/Canvas";
import { Palette } from "./palette/Palette";
import { ConfigPanel } from "./config/ConfigPanel";
import { SettingsPanel } from "./settings/SettingsPanel";
import { ConflictDialog } from "./ConflictDialog";
import { BottomPanel } from "./panel/BottomPanel";
import { clearDraft, readDraft, saveNow, saveWorkflow, writeDraft } from "./save";
import { copySelection, deleteOperations, pasteOperations } from "./clipboard";
import { SHORTCUTS, isTyping } from "./shortcuts";
import { forgetParkedDrafts, unsavedDrafts } from "./fields/draft";
import { startLive } from "@/features/collab/live";
import { useCollab } from "@/features/collab/store";
import { Avatars, useNodeLock } from "@/features/collab/Presence";
import { useFileDrop } from "@/features/files/useFileDrop";
import { useFiles } from "@/features/files/store";

type Tab = "step" | "settings" | "run";

export function Editor({ workflowId }: { workflowId: string }) {
  return (
    <ReactFlowProvider>
      <EditorInner workflowId={workflowId} />
    </ReactFlowProvider>
  );
}

function EditorInner({ workflowId }: { workflowId: string }) {
  const router = useRouter();
  const { types, error: catalogError } = useTaskTypes();
  // Everything but the drag positions: dragging a node must not re-render the whole editor.
  const s = useEditor(
    useShallow((st) => ({
      doc: st.doc, baseDoc: st.baseDoc, workflowId: st.workflowId, version: st.version, role: st.role, unsaved: st.unsaved,
      history: st.history, refusal: st.refusal, catalog: st.catalog, serverIssues: st.serverIssues, selectedNodes: st.selectedNodes,
      locks: st.locks, undo: st.undo, redo: st.redo, select: st.select,
    })),
  );
  const { fitView, screenToFlowPosition } = useReactFlow();
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState<WorkflowDetail | null>(null);
  const [tab, setTab] = useState<Tab>("step");
  const [help, setHelp] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [draftOffer, setDraftOffer] = useState<ReturnType<typeof readDraft>>(null);
  const live = useCollab(useShallow((c) => ({ status: c.status, pendingCount: c.pendingCount, actions: c.actions })));
  const currentRun = useCurrentRun(workflowId);
  const [runError, setRunError] = useState<unknown>(null);
  // Live: changes go to the hub as they are made. Otherwise (no hub, Join refused) the Save button and the conflict dialog.
  const liveMode = live.status === "live" || live.status === "reconnecting";
  const loaded = s.workflowId === workflowId && s.doc !== null;

  useEffect(() => {
    if (types) useEditor.getState().setCatalog(types);
  }, [types]);

  useEffect(() => {
    let live = true;
    forgetParkedDrafts();
    api.get<WorkflowDetail>(`/workflows/${workflowId}`).then(
      (d) => {
        if (!live) return;
        useEditor.getState().load(d);
        const draft = readDraft(workflowId);
        if (draft && draft.unsaved.length > 0) setDraftOffer(draft);
      },
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [workflowId]);

  // Join the workflow's live session once the page shows it; leave it when the page goes.
  useEffect(() => (loaded ? startLive(workflowId) : undefined), [loaded, workflowId]);

  // Keep a local draft of unsaved work.
  useEffect(() => {
    if (s.workflowId === workflowId && s.doc && !draftOffer) writeDraft(workflowId, s.version, s.doc, s.unsaved);
  }, [s.doc, s.unsaved, s.version, s.workflowId, workflowId, draftOffer]);

  // Ask the server for its validation, a moment after the last semantic change.
  const semantic = useMemo(() => (s.doc ? JSON.stringify({ m: s.doc.metadata, s: s.doc.spec }) : ""), [s.doc]);
  useEffect(() => {
    const doc = useEditor.getState().doc;
    if (!doc) return;
    const t = setTimeout(() => {
      // A valid document answers 200; an invalid one 400 with the same problems a save would get.
      api.post<ValidationResult>("/workflows/validate", doc).then(
        (r) => useEditor.getState().setServerIssues(mapProblems(doc, r.problems)),
        (e) => {
          const problems = workflowProblems(e);
          if (problems) useEditor.getState().setServerIssues(mapProblems(doc, problems));
        },
      );
    }, 500);
    return () => clearTimeout(t);
  }, [semantic]);

  const issues: IssueMap = useMemo(() => {
    const client = s.doc ? schemaIssues(s.doc, s.catalog) : { byNode: {}, settings: [], general: [] };
    return s.serverIssues ? mergeIssues(client, s.serverIssues) : client;
  }, [s.doc, s.catalog, s.serverIssues]);

  const rank = roleRank[s.role] ?? 0;
  const canEdit = rank >= roleRank.edit;
  const dirty = s.unsaved.length > 0;
  const fileDrop = useFileDrop(workflowId, canEdit);
  // The data folder's files are offered in CSV steps, so they are known before the Files tab is opened.
  useEffect(() => {
    void useFiles.getState().load(workflowId);
  }, [workflowId]);

  // Others see which step this user selected, and the open configuration holds the step's edit lock.
  const selected = s.selectedNodes.length === 1 ? s.doc?.spec.tasks.find((t) => t.id === s.selectedNodes[0]) : undefined;
  const selectedId = selected?.id ?? null;
  useEffect(() => {
    live.actions?.select(selectedId);
  }, [selectedId, live.actions]);
  useNodeLock(tab === "step" && canEdit && liveMode ? selectedId : null);

  const addTask = useCallback(
    (typeId: string, position?: Position) => {
      const st = useEditor.getState();
      const type = st.catalog.get(typeId);
      if (!st.doc || !type) return;
      const id = freeTaskId(st.doc, typeId.split(".").pop() ?? typeId);
      const rect = document.querySelector(".canvas")?.getBoundingClientRect();
      const at = position ?? (rect ? screenToFlowPosition({ x: rect.left + rect.width / 2 - 90, y: rect.top + rect.height / 2 - 40 }) : { x: 0, y: 0 });
      if (st.apply({ kind: "addNode", task: { id, type: typeId, config: schemaDefaults(type.configSchema), dependsOn: [] }, position: { x: Math.round(at.x), y: Math.round(at.y) } })) {
        st.select([id]);
        setTab("step");
      }
    },
    [screenToFlowPosition],
  );

  const save = useCallback(async () => {
    const st = useEditor.getState();
    if (!st.doc || !st.workflowId) return;
    setSaving(true);
    setSaveError(null);
    const sentOps = st.unsaved.length;
    const sent = st.doc;
    try {
      const outcome = await saveWorkflow(st.workflowId, st.version, sent);
      if (outcome.kind === "conflict") return setConflict(outcome.current);
      const now = useEditor.getState();
      const typedMeanwhile = now.unsaved.slice(sentOps);
      // Keep whatever was typed while the save was on its way.
      useEditor.setState({
        version: outcome.detail.version,
        role: outcome.detail.role,
        baseDoc: outcome.detail.document,
        doc: typedMeanwhile.length === 0 ? outcome.detail.document : now.doc,
        unsaved: typedMeanwhile,
      });
      if (typedMeanwhile.length === 0) clearDraft(st.workflowId);
      setNotice(`Saved as version ${outcome.detail.version}.`);
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  }, []);

  const resolveKeepMine = () => {
    if (!conflict) return;
    const mine = useEditor.getState().unsaved;
    const { doc, refused } = rebase(conflict.document, mine);
    useEditor.getState().load(conflict);
    useEditor.setState({ doc, unsaved: mine });
    setConflict(null);
    setNotice(refused.length ? `Your changes were applied on version ${conflict.version}, except: ${refused.join(" ")} Review, then save.` : `Your changes now sit on top of version ${conflict.version}. Review, then save.`);
  };
  const resolveReload = () => {
    if (!conflict) return;
    useEditor.getState().load(conflict);
    clearDraft(workflowId);
    setConflict(null);
    setNotice(`Reloaded version ${conflict.version}.`);
  };
  const resolveCopy = async () => {
    const doc = useEditor.getState().doc;
    if (!doc) return;
    try {
      const copy = await api.post<WorkflowDetail>("/workflows", { ...doc, metadata: { ...doc.metadata, name: `${doc.metadata.name} (my copy)`, key: undefined } });
      clearDraft(workflowId);
      setConflict(null);
      router.push(`/workflows/${copy.id}`);
    } catch (e) {
      setSaveError(e);
    }
  };

  const layout = useCallback(async () => {
    const { autoLayout } = await import("./canvas/layout"); // dagre loads only when asked for
    const st = useEditor.getState();
    if (!st.doc || st.doc.spec.tasks.length === 0) return;
    const pos = autoLayout(st.doc.spec.tasks);
    st.apply({ kind: "batch", ops: Object.entries(pos).map(([id, position]): Operation => ({ kind: "moveNode", id, position })) });
    setTimeout(() => fitView({ duration: 300 }), 50);
  }, [fitView]);

  // Keyboard shortcuts (ignored while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const st = useEditor.getState();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "s") {
        e.preventDefault();
        if (canEdit) void saveNow(save).then((message) => message && setNotice(message));
        return;
      }
      if (isTyping(e.target) || !st.doc) return;
      if (e.key === "?") return setHelp(true);
      if (!canEdit) return;
      const key = e.key.toLowerCase();
      if (mod && key === "z" && !e.shiftKey) { e.preventDefault(); st.undo(); }
      else if (mod && (key === "y" || (key === "z" && e.shiftKey))) { e.preventDefault(); st.redo(); }
      else if (mod && key === "c") { st.setClipboard(copySelection(st.doc, st.selectedNodes)); }
      else if (mod && key === "v" && st.clipboard) {
        e.preventDefault();
        const { op, ids } = pasteOperations(st.doc, st.clipboard);
        if (st.apply(op)) st.select(ids);
      } else if (mod && key === "a") { e.preventDefault(); st.select(st.doc.spec.tasks.map((t) => t.id)); }
      else if (e.key === "Delete" || e.key === "Backspace") {
        const op = deleteOperations(st.doc, st.selectedNodes, st.selectedEdges);
        if (op && st.apply(op)) st.select([]);
      } else if (e.shiftKey && key === "l") layout();
      else if (e.shiftKey && key === "f") void fitView({ duration: 300 });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canEdit, save, layout, fitView]);

  // Warn before leaving with unsaved changes, typed values that cannot be stored yet included.
  useEffect(() => {
    const onLeave = (e: BeforeUnloadEvent) => {
      if (useEditor.getState().unsaved.length > 0 || unsavedDrafts() > 0) e.preventDefault();
    };
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, []);

  if (live.status === "revoked") {
    return (
      <main className="page">
        <p className="error-box" role="alert">Your access to this workflow was removed by its owner or a manager, so it was closed. Ask them to share it again if you still need it.</p>
        <Link href="/">Back to workflows</Link>
      </main>
    );
  }
  if (loadError) return <main className="page"><ErrorMessage error={loadError} doing="open this workflow" /><Link href="/">Back to workflows</Link></main>;
  if (!s.doc || s.workflowId !== workflowId) return <p className="page-pad muted" role="status">Opening the workflow…</p>;

  const total = countIssues(issues);

  return (
    <div className={`editor${fileDrop.over ? " dropping-files" : ""}`} {...fileDrop.handlers}>
      <header className="editor-head">
        <Link href="/" aria-label="Back to workflows">←</Link>
        <h1 title={s.doc.metadata.name}>{s.doc.metadata.name}</h1>
        <span className="status hint" data-testid="save-status">
          v{s.version} · {liveMode ? "live" : dirty ? "unsaved changes" : "saved"} · {s.role}
        </span>
        <Avatars />
        <span className={`badge ${total ? "failed" : "success"}`} data-testid="validity" title={[...issues.general, ...issues.settings].map((i) => i.message).join("\n")}>
          {total ? countOf(total, "problem") : "valid"}
        </span>
        {!canEdit && <span className="badge" title="Ask the owner or a manager for the edit role to change it.">read-only</span>}
        <div className="spacer" />
        <button type="button" className="small" onClick={s.undo} disabled={!canEdit || s.history.past.length === 0} aria-label="Undo" title="Undo (Ctrl+Z)"><Undo2 size={14} /></button>
        <button type="button" className="small" onClick={s.redo} disabled={!canEdit || s.history.future.length === 0} aria-label="Redo" title="Redo (Ctrl+Shift+Z)"><Redo2 size={14} /></button>
        <button type="button" className="small" onClick={layout} disabled={!canEdit} title="Arrange automatically (Shift+L)"><LayoutGrid size={14} /> Arrange</button>
        <button type="button" className="small" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)"><HelpCircle size={14} /> Shortcuts</button>
        <button type="button" className="small" onClick={() => setSharing(true)}><Users size={14} /> Share</button>
        <Link href={`/workflows/${workflowId}/runs`} className="small" title="Runs of this workflow: who started them, their state and results">Runs</Link>
        <Link href={`/workflows/${workflowId}/history`} className="small" title="Versions of this workflow: who changed what, compare and restore">History</Link>
        {rank >= roleRank.execute && (
          <DeployControl workflowId={workflowId} canDeploy={canEdit} canExecute={rank >= roleRank.execute} dirty={dirty} live={liveMode} version={s.version} />
        )}
        {liveMode && canEdit ? (
          <LiveSaveState offline={live.status === "reconnecting"} pending={live.pendingCount} />
        ) : (
          <button type="button" className="primary" onClick={save} disabled={!canEdit || saving || !dirty} title={canEdit ? "Save (Ctrl+S)" : "Your role cannot change this workflow"}>
            <Save size={14} /> {saving ? "Saving…" : "Save"}
          </button>
        )}
      </header>
      <Palette types={types} disabled={!canEdit} onAdd={(id) => addTask(id)} />
      <Canvas issues={issues} readOnly={!canEdit} onAddTask={addTask} />
      <aside className="sidebar" aria-label="Details">
        <div className="tabs" role="tablist">
          {(["step", "settings", "run"] as Tab[]).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
              {t === "step" ? "Step" : t === "settings" ? `Settings${issues.settings.length ? " ⚠" : ""}` : "Run"}
            </button>
          ))}
        </div>
        {(catalogError !== null || saveError !== null || notice || s.refusal || draftOffer) && (
          <div className="panel" style={{ paddingBottom: 0 }}>
            {catalogError !== null && <ErrorMessage error={catalogError} doing="load the task catalog" />}
            {saveError !== null && <ErrorMessage error={saveError} doing="save" />}
            {s.refusal && <p className="warn-box" role="status">{s.refusal}</p>}
            {notice && !saveError && <p className="notice" role="status">{notice} <button type="button" className="small ghost" aria-label="Dismiss" onClick={() => setNotice(null)}>×</button></p>}
            {draftOffer && (
              <div className="warn-box">
                <p>You have unsaved changes from an earlier visit ({formatDateTime(draftOffer.savedAt)}).</p>
                <div className="row">
                  <button type="button" className="small primary" onClick={() => {
                    const st = useEditor.getState();
                    if (liveMode) {
                      // Live: each restored change is a new operation sent like any other.
                      const refused = draftOffer.unsaved.filter((op) => !useEditor.getState().apply(op)).length;
                      if (refused) setNotice(`${refused} earlier change(s) no longer apply.`);
                    } else if (st.doc) {
                      const { doc, refused } = rebase(st.doc, draftOffer.unsaved);
                      useEditor.setState({ doc, unsaved: draftOffer.unsaved });
                      if (refused.length) setNotice(`Some earlier changes no longer apply: ${refused.join(" ")}`);
                    }
                    setDraftOffer(null);
                  }}>Restore them</button>
                  <button type="button" className="small" onClick={() => { clearDraft(workflowId); setDraftOffer(null); }}>Discard</button>
                </div>
              </div>
            )}
          </div>
        )}
        {issues.general.length > 0 && (
          <ul className="field-errors" style={{ margin: "8px 12px 0" }} aria-label="Workflow problems">
            {issues.general.map((i) => <li key={i.message}>{i.message}</li>)}
          </ul>
        )}
        {tab === "step" &&
          (selected ? (
            <ConfigPanel
              task={selected}
              type={s.catalog.get(selected.type)}
              issues={issues.byNode[selected.id] ?? []}
              readOnly={!canEdit}
              lockedBy={s.locks[selected.id]?.displayName}
              onTakeOver={liveMode && rank >= roleRank.manage ? () => void live.actions?.breakLock(selected.id) : undefined}
            />
          ) : (
            <div className="panel">
              <p className="muted">
                {s.selectedNodes.length > 1 ? `${s.selectedNodes.length} steps selected. Press Delete to remove them or Ctrl+C to copy.` : "Select a step on the canvas to configure it."}
              </p>
              {Object.entries(issues.byNode).length > 0 && (
                <>
                  <h3>Steps that need attention</h3>
                  <ul>
                    {Object.entries(issues.byNode).map(([id, list]) => (
                      <li key={id}><button type="button" className="small ghost" onClick={() => s.select([id])}>{id}</button>: {list[0]?.message}</li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          ))}
        {tab === "settings" && <SettingsPanel issues={issues.settings} readOnly={!canEdit} />}
        {/* Stays mounted on other tabs so the graph keeps showing the run's task states. */}
        <div hidden={tab !== "run"}>
          <RunPanel workflowId={workflowId} params={s.doc.spec.params} canExecute={rank >= roleRank.execute} dirty={dirty} onStarted={currentRun.follow} refresh={currentRun.refresh} />
          {runError !== null && <div className="panel"><ErrorMessage error={runError} doing="retry the task" /></div>}
        </div>
      </aside>
      <BottomPanel
        workflowId={workflowId}
        selectedTask={selected?.id ?? null}
        selectedType={selected ? s.catalog.get(selected.type) : undefined}
        canExecute={rank >= roleRank.execute}
        canEdit={canEdit}
        refreshRun={currentRun.refresh}
        onError={setRunError}
      />
      <Dialog title="Keyboard shortcuts" open={help} onClose={() => setHelp(false)}>
        <dl className="shortcut-list">
          {SHORTCUTS.map((k) => (
            <div key={k.keys} style={{ display: "contents" }}>
              <dt><kbd>{k.keys}</kbd></dt>
              <dd style={{ margin: 0 }}>{k.action}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">Drag a step from the palette onto the canvas (or click it), then drag from a step&apos;s right port to the next step&apos;s left port.</p>
      </Dialog>
      <CollaboratorsDialog workflowId={workflowId} open={sharing} onClose={() => setSharing(false)} canManage={rank >= roleRank.manage} />
      <ConflictDialog current={conflict} base={s.baseDoc} mine={s.doc} onKeepMine={resolveKeepMine} onReload={resolveReload} onSaveCopy={resolveCopy} onClose={() => setConflict(null)} />
    </div>
  );
}

/** In live editing there is nothing to save by hand: this says whether the server has every change. */
function LiveSaveState({ offline, pending }: { offline: boolean; pending: number }) {
  const [text, kind] = offline ? ["Offline: changes kept locally", "offline"] : pending > 0 ? ["Saving…", "busy"] : ["All changes saved", ""];
  return (
    <span className={`live-state ${kind}`} role="status" data-testid="live-state" title={offline ? "Your changes are sent when the connection is back." : "Changes are saved as you make them and shown to everyone here."}>
      {text}
    </span>
  );
}
