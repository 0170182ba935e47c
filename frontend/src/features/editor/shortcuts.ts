// Keyboard shortcuts of the canvas, listed in the help panel from this same table.
export const SHORTCUTS: { keys: string; action: string }[] = [
  { keys: "Ctrl+Z", action: "Undo" },
  { keys: "Ctrl+Shift+Z / Ctrl+Y", action: "Redo" },
  { keys: "Ctrl+S", action: "Save now: store what the fields hold; editing live, confirm the server has every change" },
  { keys: "Ctrl+C / Ctrl+V", action: "Copy / paste the selected steps" },
  { keys: "Ctrl+A", action: "Select every step" },
  { keys: "Delete / Backspace", action: "Delete the selected steps and connections" },
  { keys: "Shift+drag", action: "Select several steps with a box" },
  { keys: "Ctrl+click", action: "Add a step to the selection" },
  { keys: "Shift+L", action: "Arrange the steps automatically" },
  { keys: "Shift+F", action: "Zoom to fit" },
  { keys: "?", action: "Show this help" },
];

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}
