"use client";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError, api } from "@/lib/api/client";
import type { Collaborator, Role } from "@/lib/api/types";
import { Dialog } from "@/features/shared/Dialog";
import { ErrorMessage } from "@/features/shared/ErrorMessage";

const ROLES: { value: Role; label: string }[] = [
  { value: "view", label: "View: see the workflow and its runs" },
  { value: "execute", label: "Execute: also start and cancel runs" },
  { value: "edit", label: "Edit: also change and deploy" },
  { value: "manage", label: "Manage: also share and break locks" },
];

export function CollaboratorsDialog({ workflowId, open, onClose, canManage }: { workflowId: string; open: boolean; onClose: () => void; canManage: boolean }) {
  const [list, setList] = useState<Collaborator[] | null>(null);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("view");
  const [error, setError] = useState<unknown>(null);
  const [emailProblem, setEmailProblem] = useState<string | null>(null);
  const base = `/workflows/${workflowId}/collaborators`;
  const load = useCallback(() => api.get<Collaborator[]>(base).then(setList, setError), [base]);
  useEffect(() => {
    if (open) void load();
  }, [open, load]);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    setEmailProblem(null);
    void run(async () => {
      try {
        await api.post(base, { email, role });
      } catch (err) {
        const unknown = unknownEmail(err, email);
        if (!unknown) throw err;
        setEmailProblem(unknown);
        return;
      }
      setEmail("");
    });
  };
  return (
    <Dialog title="People with access" open={open} onClose={onClose}>
      {error !== null && <ErrorMessage error={error} doing="change who has access" />}
      {!canManage && <p className="hint">Only the owner and managers can change access.</p>}
      <table className="grid">
        <thead><tr><th>Person</th><th>Role</th><th /></tr></thead>
        <tbody>
          {list?.map((c) => (
            <tr key={c.userId}>
              <td>{c.displayName}<div className="hint">{c.email}</div></td>
              <td>
                {c.role === "owner" ? "Owner" : (
                  <select aria-label={`Role of ${c.displayName}`} value={c.role} disabled={!canManage} onChange={(e) => run(() => api.put(`${base}/${c.userId}`, { role: e.target.value }))}>
                    {ROLES.map((r) => <option key={r.value} value={r.value}>{r.value}</option>)}
                  </select>
                )}
              </td>
              <td>
                {c.role !== "owner" && canManage && (
                  <button type="button" className="small danger" onClick={() => run(() => api.delete(`${base}/${c.userId}`))} aria-label={`Remove ${c.displayName}`}>Remove</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canManage && (
        <form onSubmit={add} className="stack">
          <label>
            Invite by e-mail
            <input
              type="email"
              required
              value={email}
              onChange={(e) => {
                setEmail(e.target.value);
                setEmailProblem(null);
              }}
              placeholder="colleague@example.com"
              aria-invalid={emailProblem ? true : undefined}
              aria-describedby={emailProblem ? "share-email-problem" : undefined}
            />
            {emailProblem && <span id="share-email-problem" className="field-problem" role="alert">{emailProblem}</span>}
            <span className="hint">They need an account already.</span>
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
            </select>
          </label>
          <button type="submit" className="primary">Give access</button>
        </form>
      )}
    </Dialog>
  );
}

/** The API's answer when nobody has signed up with the e-mail: said under the e-mail field, not as a form error. */
export function unknownEmail(error: unknown, email: string): string | null {
  if (!(error instanceof ApiError) || error.status !== 400 || !/no user has that e-mail/i.test(error.problem.detail ?? "")) return null;
  return `No account has the e-mail ${email.trim()}. Ask them to sign up first, then share again.`;
}
