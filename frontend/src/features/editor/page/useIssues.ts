// The problems the editor shows: the catalog's schema checks at once, merged with the server's validation,
// asked for a moment after the last change that could alter it (not positions or selection).
"use client";
import { useEffect, useMemo } from "react";
import { api } from "@/lib/api/client";
import { workflowProblems } from "@/lib/api/problem";
import type { ValidationResult } from "@/lib/api/types";
import { useEditor } from "@/features/document/store";
import { mapProblems, mergeIssues, type IssueMap } from "@/features/document/validation";
import { schemaIssues } from "../config/schemaIssues";

const VALIDATE_AFTER_MS = 500;

export function useIssues(): IssueMap {
  const doc = useEditor((s) => s.doc);
  const catalog = useEditor((s) => s.catalog);
  const serverIssues = useEditor((s) => s.serverIssues);

  const semantic = useMemo(() => (doc ? JSON.stringify({ m: doc.metadata, s: doc.spec }) : ""), [doc]);
  useEffect(() => {
    const current = useEditor.getState().doc;
    if (!current) return;
    const t = setTimeout(() => {
      // A valid document answers 200; an invalid one 400 with the same problems a save would get.
      api.post<ValidationResult>("/workflows/validate", current).then(
        (r) => useEditor.getState().setServerIssues(mapProblems(current, r.problems)),
        (e) => {
          const problems = workflowProblems(e);
          if (problems) useEditor.getState().setServerIssues(mapProblems(current, problems));
        },
      );
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(t);
  }, [semantic]);

  return useMemo(() => {
    const client = doc ? schemaIssues(doc, catalog) : { byNode: {}, settings: [], general: [] };
    return serverIssues ? mergeIssues(client, serverIssues) : client;
  }, [doc, catalog, serverIssues]);
}
