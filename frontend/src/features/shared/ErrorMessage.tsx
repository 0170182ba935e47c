"use client";
import { ApiError } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";

/** An API failure in plain words with what to do next. */
export function ErrorMessage({ error, doing }: { error: unknown; doing?: string }) {
  const f = describeError(error instanceof ApiError || error instanceof Error ? error : new Error(String(error)), doing);
  const detail = !(error instanceof ApiError) && error instanceof Error ? error.message : f.detail;
  return (
    <div className="error-box" role="alert">
      <strong>{f.title}</strong>
      {detail && <p>{detail}</p>}
      {f.fields && f.fields.length > 0 && (
        <ul>
          {f.fields.map((x) => (
            <li key={x}>{x}</li>
          ))}
        </ul>
      )}
      <p className="hint">{f.action}</p>
    </div>
  );
}
