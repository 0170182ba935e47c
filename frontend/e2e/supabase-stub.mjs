// A stand-in for Supabase Auth (GoTrue) with password sign-in only, issuing HS256 JWTs signed with the project's
// legacy JWT secret, as Supabase does (iss <url>/auth/v1, aud and role "authenticated"). Used by the sign-in tests
// of the web app (Vitest) and of the API (which starts it with node and checks it accepts the tokens).
// Usage: SECRET=... PORT=0 node supabase-stub.mjs   -> prints "listening <url>" once ready.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const b64url = (data) => Buffer.from(data).toString("base64url");

/** An HS256 JWT like the ones Supabase issues for a signed-in user. */
export function signJwt(claims, secret) {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url")}`;
}

/** The claims of a token this stub (or anyone with the secret) signed, or null when the signature does not match. */
export function verifyJwt(token, secret) {
  const [head, body, signature] = String(token).split(".");
  if (!head || !body || !signature) return null;
  const expected = createHmac("sha256", secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
}

/**
 * Starts the stub. `users` maps e-mail to {password, displayName}; each user keeps one subject (uuid) for the run.
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export async function startSupabaseStub({ secret, users, port = 0, host = "127.0.0.1" }) {
  const subjects = new Map();
  let url = "";
  const server = createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*" });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    if (req.method === "OPTIONS") return send(204);
    const path = new URL(req.url ?? "/", "http://stub");
    let raw = "";
    for await (const chunk of req) raw += chunk;
    if (req.method === "POST" && path.pathname === "/auth/v1/token" && path.searchParams.get("grant_type") === "password") {
      const { email, password } = JSON.parse(raw || "{}");
      const user = users[email];
      if (!user || user.password !== password) return send(400, { code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });
      if (!subjects.has(email)) subjects.set(email, randomUUID());
      const now = Math.floor(Date.now() / 1000);
      const sub = subjects.get(email);
      const profile = { id: sub, aud: "authenticated", role: "authenticated", email, app_metadata: { provider: "email" }, user_metadata: { display_name: user.displayName }, created_at: new Date().toISOString() };
      const accessToken = signJwt({
        iss: `${url}/auth/v1`, aud: "authenticated", role: "authenticated", sub, email, iat: now, exp: now + 3600,
        app_metadata: profile.app_metadata, user_metadata: profile.user_metadata, aal: "aal1", session_id: randomUUID(),
      }, secret);
      return send(200, { access_token: accessToken, token_type: "bearer", expires_in: 3600, expires_at: now + 3600, refresh_token: randomUUID(), user: profile });
    }
    if (req.method === "POST" && path.pathname === "/auth/v1/logout") return send(204);
    if (req.method === "GET" && path.pathname === "/auth/v1/user") {
      const claims = verifyJwt((req.headers.authorization ?? "").replace(/^Bearer /, ""), secret);
      return claims ? send(200, { id: claims.sub, aud: claims.aud, role: claims.role, email: claims.email }) : send(401, { msg: "invalid JWT" });
    }
    return send(404, { msg: `the stub does not serve ${req.method} ${path.pathname}` });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  url = `http://${host}:${server.address().port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const secret = process.env.SECRET;
  if (!secret) throw new Error("SECRET is required");
  const users = JSON.parse(process.env.USERS ?? '{"analyst@example.com": {"password": "correct horse battery", "displayName": "Analyst"}}');
  const stub = await startSupabaseStub({ secret, users, port: Number(process.env.PORT ?? 0) });
  console.log(`listening ${stub.url}`);
}
