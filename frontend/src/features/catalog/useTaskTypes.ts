"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { TaskType } from "@/lib/api/types";

let cached: Promise<TaskType[]> | null = null;

export function loadTaskTypes(): Promise<TaskType[]> {
  cached ??= api.get<TaskType[]>("/task-types").catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}

/** The task catalog served by the API, fetched once per page load. */
export function useTaskTypes(): { types: TaskType[] | null; error: unknown } {
  const [types, setTypes] = useState<TaskType[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    loadTaskTypes().then((t) => live && setTypes(t), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, []);
  return { types, error };
}
