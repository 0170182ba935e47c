// Resizing the bottom panel by dragging its top edge or with the arrow keys.
"use client";
import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from "react";
import { PANEL_HEIGHT, useEditor } from "@/features/document/store";

const STORAGE_KEY = "wfc.panelHeight";
const KEY_STEP = 24;
/** Room kept above the panel for the header and some canvas. */
const KEEP_ABOVE = 220;

/** The panel's height when its top edge is dragged from startY to y: at least the minimum, leaving room for the canvas. */
export function draggedHeight(startHeight: number, startY: number, y: number, viewportHeight: number): number {
  const max = Math.max(PANEL_HEIGHT.min, viewportHeight - KEEP_ABOVE);
  return Math.round(Math.min(max, Math.max(PANEL_HEIGHT.min, startHeight + (startY - y))));
}

export function usePanelResize() {
  const height = useEditor((s) => s.panel.height);
  const setHeight = useEditor((s) => s.setPanelHeight);
  const drag = useRef<{ startY: number; startHeight: number } | null>(null);

  useEffect(() => {
    const stored = Number(localStorage.getItem(STORAGE_KEY));
    if (stored >= PANEL_HEIGHT.min) setHeight(Math.min(stored, draggedHeight(stored, 0, 0, window.innerHeight)));
  }, [setHeight]);

  const remember = (h: number) => {
    try {
      localStorage.setItem(STORAGE_KEY, String(h));
    } catch {
      // no storage: the height lasts for this page only
    }
  };

  return {
    onPointerDown: (e: PointerEvent<HTMLElement>) => {
      e.currentTarget.setPointerCapture(e.pointerId);
      drag.current = { startY: e.clientY, startHeight: height };
    },
    onPointerMove: (e: PointerEvent<HTMLElement>) => {
      if (drag.current) setHeight(draggedHeight(drag.current.startHeight, drag.current.startY, e.clientY, window.innerHeight));
    },
    onPointerUp: () => {
      if (drag.current) remember(useEditor.getState().panel.height);
      drag.current = null;
    },
    onKeyDown: (e: KeyboardEvent<HTMLElement>) => {
      const delta = e.key === "ArrowUp" ? KEY_STEP : e.key === "ArrowDown" ? -KEY_STEP : 0;
      if (!delta) return;
      e.preventDefault();
      const next = draggedHeight(height, 0, -delta, window.innerHeight);
      setHeight(next);
      remember(next);
    },
  };
}
