// Renders React into jsdom for tests of hooks and small components (no testing library: React's own act).
import { act, type ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

export interface Rendered {
  container: HTMLElement;
  rerender: (ui: ReactNode) => Promise<void>;
  unmount: () => Promise<void>;
}

/** Mounts ui in a fresh container; with act (the default) effects and updates have run when it resolves. */
export async function render(ui: ReactNode, { useAct = true }: { useAct?: boolean } = {}): Promise<Rendered> {
  globalThis.IS_REACT_ACT_ENVIRONMENT = useAct;
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root: Root = createRoot(container);
  const run = async (fn: () => void) => {
    if (useAct) await act(async () => fn());
    else fn();
  };
  await run(() => root.render(ui));
  return {
    container,
    rerender: (next) => run(() => root.render(next)),
    unmount: async () => {
      await run(() => root.unmount());
      container.remove();
    },
  };
}

/** Sets an input's value as typing does (React listens to the native input event) and lets React handle it. */
export async function typeInto(input: HTMLInputElement | HTMLTextAreaElement, text: string): Promise<void> {
  const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, "value")?.set;
  await act(async () => {
    setter?.call(input, text);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

/** Runs fn inside act, for focus, blur, key presses and timers. */
export async function acting(fn: () => void | Promise<void>): Promise<void> {
  await act(async () => {
    await fn();
  });
}

/** Waits real time (for code that must not be wrapped in act, such as a render loop under test). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
