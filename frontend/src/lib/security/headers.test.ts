import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, STATIC_SECURITY_HEADERS } from "./headers";

const directive = (policy: string, name: string) => policy.split("; ").find((d) => d.startsWith(`${name} `));

describe("security headers", () => {
  it("never lets content types be sniffed nor the app be framed", () => {
    expect(STATIC_SECURITY_HEADERS).toContainEqual({ key: "X-Content-Type-Options", value: "nosniff" });
    const policy = contentSecurityPolicy({ nonce: "abc", pageOrigin: "http://127.0.0.1:3000" });
    expect(directive(policy, "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(directive(policy, "object-src")).toBe("object-src 'none'");
    expect(directive(policy, "base-uri")).toBe("base-uri 'none'");
  });

  it("runs only scripts with this request's nonce, and never inline code or eval in production", () => {
    const policy = contentSecurityPolicy({ nonce: "n0nce", pageOrigin: "https://wfc.example.com" });
    expect(directive(policy, "script-src")).toBe("script-src 'self' 'nonce-n0nce' 'strict-dynamic'");
    expect(policy).not.toContain("unsafe-eval");
    expect(directive(policy, "script-src")).not.toContain("unsafe-inline");
  });

  it("connects to the app, the API (HTTP and WebSocket) and configured extras only", () => {
    const policy = contentSecurityPolicy({ nonce: "n", pageOrigin: "https://wfc.example.com", apiUrl: "https://api.example.com/", extraConnect: "https://project.supabase.co" });
    expect(directive(policy, "connect-src")).toBe("connect-src 'self' https://api.example.com wss://api.example.com https://project.supabase.co");
  });

  it("assumes the API on the page's host at :8000 when none is configured, as the client does", () => {
    const policy = contentSecurityPolicy({ nonce: "n", pageOrigin: "http://127.0.0.1:3000" });
    expect(directive(policy, "connect-src")).toBe("connect-src 'self' http://127.0.0.1:8000 ws://127.0.0.1:8000");
  });
});
