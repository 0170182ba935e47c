"use client";
import { useCallback, useEffect, useMemo, useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { api } from "@/lib/api/client";
import type { VersionDetail, WorkflowDocument } from "@/lib/api/types";
import { CHANGES_SINCE, canvasChanges, changesSinceParam, type CanvasChanges } from "@/features/document/versionDiff";

export interface ChangesSince {
  /** The version compared with, from the address; null when the editor shows no changes. */
  since: number | null;
  /** What the canvas marks; null while the version is read, or when there is none. */
  changes: CanvasChanges | null;
  error: unknown;
  hide: () => void;
}

/**
 * The changes since the version named in the address (`?changesSince=`), against the document as it is now.
 * Only read: nothing here changes the document or reaches collaborators, and the address keeps it over a reload.
 */
export function useChangesSince(workflowId: string, doc: WorkflowDocument | null): ChangesSince {
  const params = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const since = changesSinceParam(params.get(CHANGES_SINCE));
  const key = since === null ? null : `${workflowId}/${since}`;
  // Keyed by workflow and version, so a stale answer never marks another comparison.
  const [read, setRead] = useState<{ key: string; document?: WorkflowDocument; error?: unknown } | null>(null);

  useEffect(() => {
    if (key === null) return;
    let current = true;
    api.get<VersionDetail>(`/workflows/${workflowId}/versions/${since}`).then(
      (v) => current && setRead({ key, document: v.document }),
      (error: unknown) => current && setRead({ key, error }),
    );
    return () => {
      current = false;
    };
  }, [key, workflowId, since]);

  const version = read?.key === key ? read?.document : undefined;
  const changes = useMemo(() => (version && doc ? canvasChanges(version, doc) : null), [version, doc]);

  const hide = useCallback(() => {
    const rest = new URLSearchParams(params.toString());
    rest.delete(CHANGES_SINCE);
    router.replace(rest.size > 0 ? `${pathname}?${rest}` : pathname, { scroll: false });
  }, [params, pathname, router]);

  const error = read?.key === key ? (read?.error ?? null) : null;
  return useMemo(() => ({ since, changes, error, hide }), [since, changes, error, hide]);
}
