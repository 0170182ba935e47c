"use client";
import { useMemo, useState } from "react";
import type { TaskType } from "@/lib/api/types";
import { CategoryIcon } from "../canvas/icons";
import { TASK_DRAG_MIME } from "../canvas/Canvas";

const ORDER = ["extract", "transform", "analyze", "load", "utility"];

export function groupTaskTypes(types: TaskType[], search: string): [string, TaskType[]][] {
  const q = search.trim().toLowerCase();
  const matching = types.filter((t) => !q || `${t.title} ${t.description} ${t.id}`.toLowerCase().includes(q));
  const groups = new Map<string, TaskType[]>();
  for (const t of matching) groups.set(t.category, [...(groups.get(t.category) ?? []), t]);
  return [...groups.entries()]
    .sort(([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99))
    .map(([c, list]) => [c, list.sort((a, b) => a.title.localeCompare(b.title))]);
}

/** Task types to drag onto the canvas (or press Enter to add at the centre). */
export function Palette({ types, disabled, onAdd }: { types: TaskType[] | null; disabled: boolean; onAdd: (typeId: string) => void }) {
  const [search, setSearch] = useState("");
  const groups = useMemo(() => groupTaskTypes(types ?? [], search), [types, search]);
  return (
    <aside className="palette" aria-label="Task palette">
      <label>
        <span className="hint">Find a step</span>
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="csv, join, filter…" />
      </label>
      {types === null && <p className="muted">Loading steps…</p>}
      {types && groups.length === 0 && <p className="muted">No step matches “{search}”.</p>}
      {groups.map(([category, list]) => (
        <section key={category} aria-label={category}>
          <h3>{category}</h3>
          {list.map((t) => (
            <button
              key={t.id}
              type="button"
              className="palette-item"
              draggable={!disabled}
              disabled={disabled}
              data-testid={`palette-${t.id}`}
              onDragStart={(e) => {
                e.dataTransfer.setData(TASK_DRAG_MIME, t.id);
                e.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => onAdd(t.id)}
              title={`${t.description} (drag onto the canvas, or click to add)`}
            >
              <CategoryIcon category={t.category} size={16} />
              <span>
                <span className="t">{t.title}</span>
                <span className="d">{t.description}</span>
              </span>
            </button>
          ))}
        </section>
      ))}
    </aside>
  );
}
