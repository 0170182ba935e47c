"use client";

/** What a new user sees instead of an empty table. */
export function FirstPipeline({ create, busy }: { create: (fromExample: boolean) => void; busy: boolean }) {
  return (
    <section className="empty">
      <h2>Build your first pipeline</h2>
      <p className="muted">
        A workflow is a chain of steps: read data, transform it, and load or export the result.
        Start from an example to see one that works, or begin with a blank canvas and drag steps from the palette.
      </p>
      <div className="row" style={{ justifyContent: "center" }}>
        <button type="button" onClick={() => create(true)} disabled={busy}>Start from an example</button>
        <button type="button" className="primary" onClick={() => create(false)} disabled={busy}>Blank workflow</button>
      </div>
    </section>
  );
}
