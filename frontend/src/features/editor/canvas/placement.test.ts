import { describe, expect, it } from "vitest";
import { pasteOffset, placeInView } from "./placement";

const view = { x: 0, y: 0, width: 680, height: 700 };
const size = { width: 200, height: 86 };

const covers = (p: { x: number; y: number }, o: { x: number; y: number; width: number; height: number }) =>
  p.x < o.x + o.width && o.x < p.x + size.width && p.y < o.y + o.height && o.y < p.y + size.height;

describe("placing new nodes", () => {
  it("a node dropped at the palette's edge lies wholly inside the canvas", () => {
    // Dropped 5 px from the left edge: its top-left would be 85 px under the palette.
    expect(placeInView({ x: -85, y: 300 }, size, view)).toEqual({ x: 12, y: 300 });
    expect(placeInView({ x: 600, y: -20 }, size, view)).toEqual({ x: 468, y: 12 });
    expect(placeInView({ x: 300, y: 680 }, size, view)).toEqual({ x: 300, y: 602 });
    expect(placeInView({ x: 200, y: 200 }, size, view)).toEqual({ x: 200, y: 200 });
  });

  it("a node dropped on the overview map or the zoom buttons moves off them", () => {
    const minimap = { x: 470, y: 540, width: 200, height: 150 };
    const at = placeInView({ x: 430, y: 560 }, size, view, [minimap]);
    expect(at.y + size.height).toBeLessThanOrEqual(minimap.y);
    expect(at.x).toBe(430);
    const controls = { x: 10, y: 580, width: 30, height: 110 };
    const beside = placeInView({ x: 15, y: 600 }, size, view, [controls]);
    expect(beside.x >= controls.x + controls.width || beside.y + size.height <= controls.y).toBe(true);
  });

  it("a node dropped on another step goes beside it, not over it", () => {
    const csv = { x: 250, y: 320, width: 180, height: 70 };
    const at = placeInView({ x: 330, y: 230 }, size, view, [csv]);
    expect(covers(at, csv)).toBe(false);
    expect(Math.hypot(at.x - 330, at.y - 230)).toBeLessThan(100);
    // Crowded: still somewhere free and visible.
    const crowd = [csv, { x: 300, y: 150, width: 200, height: 86 }, { x: 100, y: 230, width: 200, height: 86 }];
    const spot = placeInView({ x: 330, y: 230 }, size, view, crowd);
    for (const o of crowd) expect(covers(spot, o)).toBe(false);
    expect(spot.x >= 12 && spot.y >= 12 && spot.x + size.width <= 668 && spot.y + size.height <= 688).toBe(true);
  });

  it("pasted steps land below the copied ones, and a second paste below the first", () => {
    const originals = [{ x: 0, y: 0 }, { x: 240, y: 40 }];
    const first = pasteOffset(originals, originals, size);
    expect(first).toEqual({ x: 0, y: 40 + 86 + 40 });
    const afterFirst = [...originals, ...originals.map((p) => ({ x: p.x, y: p.y + first.y }))];
    const second = pasteOffset(afterFirst, originals, size);
    expect(second.y).toBe(2 * first.y);
    for (const p of originals) for (const q of afterFirst) expect(Math.abs(p.y + second.y - q.y) >= size.height || Math.abs(p.x - q.x) >= size.width).toBe(true);
  });

  it("skips over other steps standing below", () => {
    const offset = pasteOffset([{ x: 0, y: 0 }, { x: 50, y: 150 }], [{ x: 0, y: 0 }], size);
    expect(offset.y).toBeGreaterThanOrEqual(150 + 86);
  });
});
