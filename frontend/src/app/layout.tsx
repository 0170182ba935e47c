import type { Metadata } from "next";
import type { ReactNode } from "react";
import { headers } from "next/headers";
import "@xyflow/react/dist/style.css";
import "./globals.css";
import { AppShell } from "@/features/shell/AppShell";

export const metadata: Metadata = { title: "WorkflowControl", description: "Build, run and monitor data pipelines" };
// Read NEXT_PUBLIC_API_URL when the page is served, not when it was built, so one build fits every host.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const config = { apiUrl: process.env.NEXT_PUBLIC_API_URL ?? "" };
  // The page's Content-Security-Policy runs only scripts with the nonce the middleware made for this request.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en">
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: `window.__WFC_CONFIG__=${JSON.stringify(config).replace(/</g, "\\u003c")};` }} />
      </head>
      <body>
        <AppShell>{children}</AppShell>
      </body>
    </html>
  );
}
