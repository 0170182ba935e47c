// Where new nodes go: a dropped node lies wholly inside the visible canvas, off its overlays (zoom buttons,
// overview map) and off the steps already there; pasted steps go below the copied ones, where no step is.
// Pure, in flow coordinates.
import type { Position } from "@/features/document/operations";
import { NODE_HEIGHT, NODE_WIDTH } from "./types";

export interface Rect { x: number; y: number; width: number; height: number }
export interface Size { width: number; height: number }

export const NODE_SIZE: Size = { width: NODE_WIDTH, height: NODE_HEIGHT };

const overlaps = (a: Rect, b: Rect, gap = 0) =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(v, Math.max(lo, hi)));

/**
 * A node of `size` dropped with its top-left at `at`: moved the least needed to lie inside `view` (less a
 * margin) and off every obstacle (the canvas overlays, the steps already there): beside one it covers, else
 * the nearest free place around.
 */
export function placeInView(at: Position, size: Size, view: Rect, obstacles: Rect[] = [], margin = 12): Position {
  const inside = (p: Position): Position => ({
    x: clamp(p.x, view.x + margin, view.x + view.width - margin - size.width),
    y: clamp(p.y, view.y + margin, view.y + view.height - margin - size.height),
  });
  const free = (p: Position) => !obstacles.some((o) => overlaps({ ...p, ...size }, o, margin / 2));
  const start = inside(at);
  if (free(start)) return start;
  const distance = (p: Position) => Math.hypot(p.x - start.x, p.y - start.y);
  const beside = obstacles
    .filter((o) => overlaps({ ...start, ...size }, o, margin / 2))
    .flatMap((o) => [
      { x: start.x, y: o.y - margin - size.height },
      { x: start.x, y: o.y + o.height + margin },
      { x: o.x - margin - size.width, y: start.y },
      { x: o.x + o.width + margin, y: start.y },
    ]);
  const around = Array.from({ length: 30 }, (_, r) => r + 1).flatMap((r) =>
    Array.from({ length: 16 }, (_, i) => ({ x: start.x + Math.cos((i * Math.PI) / 8) * r * margin * 2, y: start.y + Math.sin((i * Math.PI) / 8) * r * margin * 2 })),
  );
  for (const candidates of [beside, around]) {
    const best = candidates.map(inside).filter(free).sort((a, b) => distance(a) - distance(b))[0];
    if (best) return best;
  }
  return start;
}

/** How far to move pasted steps so that none lands on a step already there: below the copied ones, further down if taken. */
export function pasteOffset(existing: Position[], pasted: Position[], size: Size = NODE_SIZE, gap = 40): Position {
  if (pasted.length === 0) return { x: 0, y: 0 };
  const top = Math.min(...pasted.map((p) => p.y));
  const bottom = Math.max(...pasted.map((p) => p.y)) + size.height;
  const step = bottom - top + gap;
  const boxes = existing.map((p) => ({ ...p, ...size }));
  for (let k = 1; ; k++) {
    const dy = step * k;
    if (!pasted.some((p) => boxes.some((b) => overlaps({ x: p.x, y: p.y + dy, ...size }, b, gap / 2)))) return { x: 0, y: dy };
  }
}
