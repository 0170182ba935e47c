"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { Deployment } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { undeployedText } from "@/features/deploy/deployStatus";
import { DagCodeDialog } from "@/features/deploy/DagCode";
import { DeploymentBadge } from "./DeploymentBadge";
import { activeRunsOf, deployOverRunsQuestion, type ActiveRun } from "./deployOverRuns";
import { subscribeWorkflow } from "@/lib/realtime/hub";

/** Deploys the saved version and follows it until Airflow has parsed it or reported an import error. */
/** `live`: the editor saves every change itself, so unsaved work is only a change still on its way. */
/** `canExecute`: may unpause a DAG that is paused in Airflow (the same right as starting a run). */
export function DeployControl({ workflowId, canDeploy, canExecute, dirty, live, version }: {
  workflowId: string; canDeploy: boolean; canExecute: boolean; dirty: boolean; live: boolean; version: number;
}) {
  const [latest, setLatest] = useState<Deployment | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [activeRuns, setActiveRuns] = useState<ActiveRun[] | null>(null);
  const [showCode, setShowCode] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      clearTimeout(timer);
      try {
        const list = await api.get<Deployment[]>(`/workflows/${workflowId}/deployments`);
        const newest = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null;
        if (!live) return;
        setLatest(newest);
        if (newest?.state === "written") timer = setTimeout(load, 2000);
      } catch {
        // The deployments list is informative only; the deploy button reports its own errors.
      }
    };
    void load();
    const unsubscribe = subscribeWorkflow(workflowId, () => void load());
    return () => {
      live = false;
      clearTimeout(timer);
      unsubscribe();
    };
  }, [workflowId, busy]);

  /** `force`: the user confirmed deploying over the active runs the API named. */
  async function deploy(force = false) {
    setBusy(true);
    setError(null);
    setActiveRuns(null);
    try {
      setLatest(await api.post<Deployment>(`/workflows/${workflowId}/deployments${force ? "?force=true" : ""}`, { version, active: true }));
    } catch (e) {
      const runs = activeRunsOf(e);
      if (runs) setActiveRuns(runs);
      else setError(e);
    } finally {
      setBusy(false);
    }
  }

  const behind = undeployedText(version, latest);

  async function unpause() {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/workflows/${workflowId}/pause`, { paused: false });
    } catch (e) {
      setError(e);
    } finally {
      // Reloads the deployments (the effect depends on busy), which now say whether Airflow took it.
      setBusy(false);
    }
  }

  return (
    <div className="row" style={{ position: "relative" }}>
      {behind && !busy && (
        <span className="undeployed" data-testid="undeployed" title="The version in Airflow is older than the one you are editing. Deploy to make Airflow run this one.">
          {behind}
        </span>
      )}
      <button type="button" className={behind ? "primary" : undefined} onClick={() => void deploy()} disabled={!canDeploy || dirty || busy} title={!canDeploy ? "Your role cannot deploy" : dirty ? (live ? "Your latest change is still being saved" : "Save your changes before deploying") : `Deploy version ${version} to Airflow`}>
        {busy ? "Deploying…" : "Deploy"}
      </button>
      {latest && <DeploymentBadge deployment={latest} onUnpause={canExecute && !busy ? () => void unpause() : undefined} />}
      {latest && (
        <button type="button" className="small" onClick={() => setShowCode(true)} title={`The Python file deployed for version ${latest.version}`}>
          DAG code
        </button>
      )}
      {latest && <DagCodeDialog workflowId={workflowId} version={latest.version} open={showCode} onClose={() => setShowCode(false)} />}
      {activeRuns && (
        <div role="alertdialog" aria-label="Deploy over active runs" className="panel" style={{ position: "absolute", top: "100%", zIndex: 20, width: 360 }}>
          <p>{deployOverRunsQuestion(activeRuns, version)}</p>
          <div className="row">
            <button type="button" onClick={() => void deploy(true)}>Deploy anyway</button>
            <button type="button" onClick={() => setActiveRuns(null)}>Cancel</button>
          </div>
        </div>
      )}
      {error !== null && (
        <div style={{ position: "absolute", top: "100%", zIndex: 20, width: 360 }}>
          <ErrorMessage error={error} doing="deploy or unpause" />
        </div>
      )}
    </div>
  );
}
