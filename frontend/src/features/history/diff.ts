// How a diff reads on the History screen: one value in a cell, the size of a version in a few words.

/** A value in a diff cell: strings as they are, the rest as compact JSON, nothing as an em dash. */
export function showValue(value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}

/** "2 added, 1 removed, 3 changed", or "settings only" / "no change to steps". */
export function sizeText(changes: { stepsAdded: number; stepsRemoved: number; stepsChanged: number; otherChanges: number }): string {
  const parts = [
    changes.stepsAdded && `${changes.stepsAdded} added`,
    changes.stepsRemoved && `${changes.stepsRemoved} removed`,
    changes.stepsChanged && `${changes.stepsChanged} changed`,
  ].filter(Boolean);
  if (parts.length > 0) return `${parts.join(", ")}${changes.otherChanges ? ` · ${changes.otherChanges} setting${changes.otherChanges === 1 ? "" : "s"}` : ""}`;
  return changes.otherChanges ? `${changes.otherChanges} setting${changes.otherChanges === 1 ? "" : "s"}` : "layout only";
}
