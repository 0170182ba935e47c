// Supabase mode of the session store, against a local stand-in for Supabase Auth (e2e/supabase-stub.mjs) and a
// small stand-in for the API that checks the token like the API does (issuer, audience, role, HS256 secret).
// That the real API accepts the stub's tokens is checked by the API tests (SupabaseStubSignInTests).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSupabaseStub, verifyJwt } from "../../../e2e/supabase-stub.mjs";

const SECRET = "vitest-supabase-legacy-jwt-secret-0123456789abcdef";
const EMAIL = "analyst@example.com";
const PASSWORD = "correct horse battery";

let stub: Awaited<ReturnType<typeof startSupabaseStub>>;
let api: Server;
const seenTokens: string[] = [];

beforeAll(async () => {
  // supabase-js builds its realtime client eagerly and Node 20 has no WebSocket; sign-in never opens one.
  if (!("WebSocket" in globalThis)) vi.stubGlobal("WebSocket", class {});
  const stored = new Map<string, string>();
  vi.stubGlobal("localStorage", { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v), removeItem: (k: string) => stored.delete(k) });
  stub = await startSupabaseStub({ secret: SECRET, users: { [EMAIL]: { password: PASSWORD, displayName: "Analyst" } } });
  api = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/auth/config") return send(200, { mode: "supabase", supabaseUrl: stub.url, supabaseAnonKey: "anon-key" });
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const claims = verifyJwt(token, SECRET);
    if (req.url === "/auth/me" && claims && claims.iss === `${stub.url}/auth/v1` && claims.aud === "authenticated" && claims.role === "authenticated") {
      seenTokens.push(token);
      return send(200, { id: "6f1c1f7e-0000-4000-8000-000000000001", email: claims.email, displayName: "Analyst" });
    }
    return send(401, { title: "Unauthorized", status: 401 });
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  process.env.NEXT_PUBLIC_API_URL = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  vi.unstubAllGlobals();
  await stub?.close();
  await new Promise((resolve) => api?.close(resolve));
});

describe("Supabase sign-in", () => {
  it("starts signed out in Supabase mode, refuses a wrong password in words, and signs in with the right one", async () => {
    const { useSession } = await import("./session");
    await useSession.getState().init();
    expect(useSession.getState()).toMatchObject({ mode: "supabase", status: "signedOut" });

    await expect(useSession.getState().signIn(EMAIL, "wrong")).rejects.toThrow("Invalid login credentials");
    expect(useSession.getState().status).toBe("signedOut");

    await useSession.getState().signIn(EMAIL, PASSWORD);

    const session = useSession.getState();
    expect(session.status).toBe("signedIn");
    expect(session.user?.email).toBe(EMAIL);
    expect(seenTokens).toEqual([session.token]);
    expect(verifyJwt(session.token as string, SECRET)).toMatchObject({ iss: `${stub.url}/auth/v1`, aud: "authenticated", role: "authenticated", email: EMAIL });

    await session.signOut();
    expect(useSession.getState()).toMatchObject({ status: "signedOut", token: null, user: null });
  });
});
