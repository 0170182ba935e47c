// Who started a run, in words: the API gives the user's id; the workflow's collaborators give the name.
"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { Collaborator } from "@/lib/api/types";
import { useSession } from "@/features/auth/session";

export type People = ReadonlyMap<string, Pick<Collaborator, "displayName" | "email">>;

/** "you", a collaborator's name (e-mail as its title), the scheduler for runs nobody started, never an id. */
export function starterName(userId: string | null, me: string | undefined, people: People): { text: string; title?: string } {
  if (!userId) return { text: "the scheduler", title: "Started by Airflow's scheduler, or in Airflow itself" };
  if (userId.toLowerCase() === me?.toLowerCase()) return { text: "you" };
  const person = people.get(userId.toLowerCase());
  if (person) return { text: person.displayName, title: person.email ?? undefined };
  return { text: "a former collaborator", title: "Someone who no longer has access to this workflow" };
}

export const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The workflow's owner and collaborators by user id, with the signed-in user's id. */
export function usePeople(workflowId: string): { people: People; me: string | undefined } {
  const me = useSession((s) => s.user?.id);
  const [people, setPeople] = useState<People>(new Map());
  useEffect(() => {
    let live = true;
    api.get<Collaborator[]>(`/workflows/${workflowId}/collaborators`).then(
      (list) => live && setPeople(new Map(list.map((c) => [c.userId.toLowerCase(), c]))),
      () => undefined, // names are a nicety: without them runs still say "you" or "a former collaborator"
    );
    return () => {
      live = false;
    };
  }, [workflowId]);
  return { people, me };
}
