"use client";
import { useCallback, useEffect, useMemo, useState } from "react";
import Link from "next/link";
import { ReactFlowProvider } from "@xyflow/react";
import { useShallow } from "zustand/react/shallow";
import { roleRank } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { useTaskTypes } from "@/features/catalog/useTaskTypes";
import { CollaboratorsDialog } from "@/features/collaborators/CollaboratorsDialog";
import { useCurrentRun } from "@/features/runs/useCurrentRun";
import { useEditor } from "@/features/document/store";
import { startLive } from "@/features/collab/live";
import { useCollab } from "@/features/collab/store";
import { useNodeLock } from "@/features/collab/Presence";
import { useFileDrop } from "@/features/files/useFileDrop";
import { useFiles } from "@/features/files/store";
import { Canvas } from "./canvas/Canvas";
import { Palette } from "./palette/Palette";
import { ConflictDialog } from "./ConflictDialog";
import { BottomPanel } from "./panel/BottomPanel";
import { EditorHeader } from "./page/EditorHeader";
import { Sidebar, type Tab } from "./page/Sidebar";
import { DraftOfferBox } from "./page/DraftOfferBox";
import { ShortcutsDialog } from "./page/ShortcutsDialog";
import { useWorkflowLoad } from "./page/useWorkflowLoad";
import { useIssues } from "./page/useIssues";
import { useManualSave } from "./page/useManualSave";
import { useCanvasActions } from "./page/useCanvasActions";
import { useShortcuts } from "./page/useShortcuts";
import { useChangesSince } from "./changes/useChangesSince";
import { ChangesBanner } from "./changes/ChangesBanner";

export function Editor({ workflowId }: { workflowId: string }) {
  return (
    <ReactFlowProvider>
      <EditorPage workflowId={workflowId} />
    </ReactFlowProvider>
  );
}

/** The editor of one workflow: loads it, joins its live session, and lays out header, palette, canvas and panels. */
function EditorPage({ workflowId }: { workflowId: string }) {
  const { types, error: catalogError } = useTaskTypes();
  const { loadError, draftOffer, dismissDraftOffer } = useWorkflowLoad(workflowId, types);
  const s = useEditor(useShallow((st) => ({ loadedId: st.workflowId, hasDoc: st.doc !== null, role: st.role, refusal: st.refusal, baseDoc: st.baseDoc, doc: st.doc, selectedNodes: st.selectedNodes, catalog: st.catalog })));
  const live = useCollab(useShallow((c) => ({ status: c.status, pendingCount: c.pendingCount, actions: c.actions })));
  const loaded = s.loadedId === workflowId && s.hasDoc;
  // Live: changes go to the hub as they are made. Otherwise (no hub, Join refused) the Save button and the conflict dialog.
  const liveMode = live.status === "live" || live.status === "reconnecting";
  const canEdit = (roleRank[s.role] ?? 0) >= roleRank.edit;
  const fileDrop = useFileDrop(workflowId, canEdit);
  // The data folder's files are offered in CSV steps, so they are known before the Files tab is opened.
  useEffect(() => {
    void useFiles.getState().load(workflowId);
  }, [workflowId]);

  const [tab, setTab] = useState<Tab>("step");
  const [help, setHelp] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const issues = useIssues();
  const currentRun = useCurrentRun(workflowId);
  const saving = useManualSave(workflowId, setNotice);
  const showStepTab = useCallback(() => setTab("step"), []);
  const canvas = useCanvasActions(showStepTab);
  const showHelp = useCallback(() => setHelp(true), []);
  const changesSince = useChangesSince(workflowId, s.doc);
  // The same element while the changes stand, so a memoised canvas is not redrawn for it.
  const changesBanner = useMemo(() => <ChangesBanner {...changesSince} />, [changesSince]);
  useShortcuts({ canEdit, save: saving.save, arrange: canvas.arrange, fit: canvas.fit, showHelp, say: setNotice });

  // Join the workflow's live session once the page shows it; leave it when the page goes.
  useEffect(() => (loaded ? startLive(workflowId) : undefined), [loaded, workflowId]);

  // Others see which step this user selected, and the open configuration holds the step's edit lock.
  const selected = s.selectedNodes.length === 1 ? s.doc?.spec.tasks.find((t) => t.id === s.selectedNodes[0]) : undefined;
  const selectedId = selected?.id ?? null;
  useEffect(() => {
    live.actions?.select(selectedId);
  }, [selectedId, live.actions]);
  useNodeLock(tab === "step" && canEdit && liveMode ? selectedId : null);

  if (live.status === "revoked") return <AccessRevoked />;
  if (loadError) return <main className="page"><ErrorMessage error={loadError} doing="open this workflow" /><Link href="/">Back to workflows</Link></main>;
  if (!loaded || !s.doc) return <p className="page-pad muted" role="status">Opening the workflow…</p>;

  const hasMessages = catalogError !== null || saving.saveError !== null || notice || s.refusal || draftOffer;
  const messages = hasMessages ? (
    <>
      {catalogError !== null && <ErrorMessage error={catalogError} doing="load the task catalog" />}
      {saving.saveError !== null && <ErrorMessage error={saving.saveError} doing="save" />}
      {s.refusal && <p className="warn-box" role="status">{s.refusal}</p>}
      {notice && !saving.saveError && <p className="notice" role="status">{notice} <button type="button" className="small ghost" aria-label="Dismiss" onClick={() => setNotice(null)}>×</button></p>}
      {draftOffer && <DraftOfferBox workflowId={workflowId} offer={draftOffer} liveMode={liveMode} say={setNotice} dismiss={dismissDraftOffer} />}
    </>
  ) : null;
  const rank = roleRank[s.role] ?? 0;

  return (
    <div className={`editor${fileDrop.over ? " dropping-files" : ""}`} {...fileDrop.handlers}>
      <EditorHeader
        workflowId={workflowId}
        issues={issues}
        canEdit={canEdit}
        canExecute={rank >= roleRank.execute}
        liveMode={liveMode}
        offline={live.status === "reconnecting"}
        pendingCount={live.pendingCount}
        saving={saving.saving}
        save={() => void saving.save()}
        arrange={() => void canvas.arrange()}
        showHelp={showHelp}
        share={() => setSharing(true)}
      />
      <Palette types={types} disabled={!canEdit} onAdd={(id) => canvas.addTask(id)} />
      <Canvas issues={issues} readOnly={!canEdit} onAddTask={canvas.addTask} changes={changesSince.changes?.marks}>
        {changesBanner}
      </Canvas>
      <Sidebar
        workflowId={workflowId}
        tab={tab}
        setTab={setTab}
        issues={issues}
        selected={selected}
        canEdit={canEdit}
        liveMode={liveMode}
        messages={messages}
        breakLock={(nodeId) => void live.actions?.breakLock(nodeId)}
        currentRun={currentRun}
        runError={runError}
      />
      <BottomPanel
        workflowId={workflowId}
        selectedTask={selectedId}
        selectedType={selected ? s.catalog.get(selected.type) : undefined}
        canExecute={rank >= roleRank.execute}
        canEdit={canEdit}
        refreshRun={currentRun.refresh}
        onError={setRunError}
      />
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
      <CollaboratorsDialog workflowId={workflowId} open={sharing} onClose={() => setSharing(false)} canManage={rank >= roleRank.manage} />
      <ConflictDialog current={saving.conflict} base={s.baseDoc} mine={s.doc} onKeepMine={saving.resolve.keepMine} onReload={saving.resolve.reload} onSaveCopy={saving.resolve.saveCopy} onClose={saving.resolve.close} />
    </div>
  );
}

function AccessRevoked() {
  return (
    <main className="page">
      <p className="error-box" role="alert">Your access to this workflow was removed by its owner or a manager, so it was closed. Ask them to share it again if you still need it.</p>
      <Link href="/">Back to workflows</Link>
    </main>
  );
}
