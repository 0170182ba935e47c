"use client";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api } from "@/lib/api/client";
import type { ApiTokenInfo, CreatedApiToken, Role } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { formatDateTime } from "@/features/shared/format";

export function TokensPage() {
  const [tokens, setTokens] = useState<ApiTokenInfo[] | null>(null);
  const [name, setName] = useState("");
  const [maxRole, setMaxRole] = useState<Role>("execute");
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState(false);
  const load = useCallback(() => api.get<ApiTokenInfo[]>("/tokens").then(setTokens, setError), []);
  useEffect(() => void load(), [load]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await api.post<CreatedApiToken>("/tokens", { name, maxRole, expiresInDays: days }));
      setName("");
      setCopied(false);
      await load();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <main className="page stack">
      <h1>API tokens</h1>
      <p className="muted">Tokens let CI pipelines and the command-line tool act for you. A token never has more rights than you, and at most the role you choose.</p>
      {error !== null && <ErrorMessage error={error} doing="manage tokens" />}
      {created && (
        <div className="notice" role="status">
          <strong>Copy your new token “{created.name}” now. It will not be shown again.</strong>
          <p className="secret" data-testid="new-token">{created.token}</p>
          <button type="button" onClick={() => navigator.clipboard?.writeText(created.token).then(() => setCopied(true))}>{copied ? "Copied" : "Copy"}</button>{" "}
          <button type="button" className="ghost" onClick={() => setCreated(null)}>I have stored it</button>
        </div>
      )}
      <form onSubmit={create} className="row" style={{ alignItems: "flex-end" }}>
        <label style={{ flex: 2 }}>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-deploy" />
        </label>
        <label style={{ flex: 1 }}>
          Highest role
          <select value={maxRole} onChange={(e) => setMaxRole(e.target.value as Role)}>
            {(["view", "execute", "edit", "manage"] as Role[]).map((r) => <option key={r}>{r}</option>)}
          </select>
        </label>
        <label style={{ flex: 1 }}>
          Expires after (days)
          <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </label>
        <button type="submit" className="primary">Create token</button>
      </form>
      <table className="grid">
        <thead><tr><th>Name</th><th>Highest role</th><th>Created</th><th>Expires</th><th>Last used</th><th /></tr></thead>
        <tbody>
          {tokens?.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.maxRole}</td>
              <td>{formatDateTime(t.createdAt)}</td>
              <td>{formatDateTime(t.expiresAt)}</td>
              <td>{formatDateTime(t.lastUsedAt)}</td>
              <td>
                {t.revokedAt ? (
                  <span className="badge cancelled">revoked</span>
                ) : (
                  <button type="button" className="small danger" aria-label={`Revoke ${t.name}`} onClick={() => api.delete(`/tokens/${t.id}`).then(load, setError)}>Revoke</button>
                )}
              </td>
            </tr>
          ))}
          {tokens?.length === 0 && <tr><td colSpan={6} className="muted">No tokens yet.</td></tr>}
        </tbody>
      </table>
    </main>
  );
}
