"use client";
import { useEffect, type ReactNode } from "react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useSession } from "@/features/auth/session";

export function AppShell({ children }: { children: ReactNode }) {
  const init = useSession((s) => s.init);
  const user = useSession((s) => s.user);
  const status = useSession((s) => s.status);
  const signOut = useSession((s) => s.signOut);
  const pathname = usePathname();
  const router = useRouter();
  useEffect(() => {
    void init();
  }, [init]);
  const nav = (href: string, label: string) => (
    <Link href={href} className={pathname === href ? "active" : undefined} aria-current={pathname === href ? "page" : undefined}>
      {label}
    </Link>
  );
  return (
    <>
      <a href="#main" className="skip-link">Skip to content</a>
      <header className="topbar">
        <Link href="/" className="brand">WorkflowControl</Link>
        {status === "signedIn" && (
          <nav aria-label="Main">
            {nav("/", "Workflows")}
            {nav("/tokens", "API tokens")}
          </nav>
        )}
        <div className="spacer" />
        {status === "signedIn" && user && (
          <div className="user-menu">
            <span title={user.email}>{user.displayName}</span>
            <button
              type="button"
              className="ghost"
              onClick={async () => {
                await signOut();
                router.replace("/signin");
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      <div id="main" className="main">{children}</div>
    </>
  );
}
