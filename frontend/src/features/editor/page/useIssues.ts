// The problems the editor shows: the catalog's schema checks at once, merged with the server's validation,
// asked for a moment after the last change that could alter it (not positions or selection).
"use client";
import { useEffect, useMemo, useState } from "react";
import { latestAnswer } from "@/lib/api/latestAnswer";
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
  const [ask] = useState(latestAnswer);
  useEffect(() => {
    const current = useEditor.getState().doc;
    if (!current) return;
    const t = setTimeout(() => {
      // Answers can come back out of order: only the one for the latest document may set the issues, or a slow
      // answer about an older document would bring back a problem the user has already fixed.
      const show = ask()((problems: Parameters<typeof mapProblems>[1]) => useEditor.getState().setServerIssues(mapProblems(current, problems)));
      // A valid document answers 200; an invalid one 400 with the same problems a save would get.
      api.post<ValidationResult>("/workflows/validate", current).then(
        (r) => show(r.problems),
        (e) => {
          const problems = workflowProblems(e);
          if (problems) show(problems);
        },
      );
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(t);
  }, [semantic, ask]);

  return useMemo(() => {
    const client = doc ? schemaIssues(doc, catalog) : { byNode: {}, settings: [], general: [] };
    return serverIssues ? mergeIssues(client, serverIssues) : client;
  }, [doc, catalog, serverIssues]);
}
