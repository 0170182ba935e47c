"use client";
import { Dialog } from "@/features/shared/Dialog";
import { SHORTCUTS } from "../shortcuts";

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" open={open} onClose={onClose}>
      <dl className="shortcut-list">
        {SHORTCUTS.map((k) => (
          <div key={k.keys} style={{ display: "contents" }}>
            <dt><kbd>{k.keys}</kbd></dt>
            <dd style={{ margin: 0 }}>{k.action}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">Drag a step from the palette onto the canvas (or click it), then drag from a step&apos;s right port to the next step&apos;s left port.</p>
    </Dialog>
  );
}
