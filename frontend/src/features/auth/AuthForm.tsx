"use client";
import { useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useSession } from "./session";
import { ErrorMessage } from "@/features/shared/ErrorMessage";

export function AuthForm({ kind }: { kind: "signin" | "signup" }) {
  const signIn = useSession((s) => s.signIn);
  const signUp = useSession((s) => s.signUp);
  const mode = useSession((s) => s.mode);
  const router = useRouter();
  const next = useSearchParams().get("next") ?? "/";
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (kind === "signup") await signUp(email, password, displayName || email.split("@")[0] || email);
      else await signIn(email, password);
      router.replace(next.startsWith("/") ? next : "/");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-card">
      <h1>{kind === "signup" ? "Create your account" : "Sign in to WorkflowControl"}</h1>
      {mode === "supabase" && <p className="muted">Accounts are managed by your organisation&apos;s Supabase project.</p>}
      <form onSubmit={submit} className="stack">
        {kind === "signup" && (
          <label>
            Your name
            <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} autoComplete="name" />
          </label>
        )}
        <label>
          E-mail
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
        </label>
        <label>
          Password
          <input
            type="password"
            required
            minLength={kind === "signup" ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={kind === "signup" ? "new-password" : "current-password"}
          />
          {kind === "signup" && <span className="hint">At least 8 characters.</span>}
        </label>
        {error !== null && <ErrorMessage error={error} doing={kind === "signup" ? "create the account" : "sign in"} />}
        <button className="primary" type="submit" disabled={busy}>
          {busy ? "Please wait…" : kind === "signup" ? "Create account" : "Sign in"}
        </button>
      </form>
      <p>
        {kind === "signup" ? (
          <>Already have an account? <Link href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link></>
        ) : (
          <>New here? <Link href={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link></>
        )}
      </p>
    </main>
  );
}
