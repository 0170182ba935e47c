// A document that arrives whole (the live session's snapshot on joining, a save's answer) is mostly the one the
// editor already shows. Keeping the equal parts as the objects it already has lets the memoised canvas nodes and
// the per-config schema checks see them as unchanged: opening a 500-step workflow otherwise drew every node twice.

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `next`, with every part that equals the same part of `prev` replaced by that part of `prev` (`prev` itself when all are equal). */
export function keepUnchanged<T>(prev: T | null | undefined, next: T): T {
  if (prev === next || prev === null || prev === undefined) return next;
  if (Array.isArray(prev) && Array.isArray(next)) {
    let same = prev.length === next.length;
    const out = next.map((v: unknown, i) => {
      const kept = i < prev.length ? keepUnchanged(prev[i], v) : v;
      if (kept !== prev[i]) same = false;
      return kept;
    });
    return (same ? prev : out) as T;
  }
  if (isRecord(prev) && isRecord(next)) {
    const keys = Object.keys(next);
    let same = keys.length === Object.keys(prev).length;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const had = Object.hasOwn(prev, k);
      out[k] = had ? keepUnchanged(prev[k], next[k]) : next[k];
      if (!had || out[k] !== prev[k]) same = false;
    }
    return (same ? prev : out) as T;
  }
  return next;
}
