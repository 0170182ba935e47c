"use client";
import { useEffect, type ReactNode } from "react";
import { usePathname, useRouter } from "next/navigation";
import { useSession } from "./session";

/** Shows its children only to a signed-in user; sends everyone else to sign in and back. */
export function AuthGate({ children }: { children: ReactNode }) {
  const status = useSession((s) => s.status);
  const router = useRouter();
  const pathname = usePathname();
  useEffect(() => {
    if (status === "signedOut") router.replace(`/signin?next=${encodeURIComponent(pathname)}`);
  }, [status, router, pathname]);
  if (status !== "signedIn") return <p className="muted page-pad" role="status">Loading your session…</p>;
  return <>{children}</>;
}
