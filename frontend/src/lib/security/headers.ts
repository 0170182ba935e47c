// The web app's security headers, in one place: the static ones next.config.ts sends with every answer, and the
// Content-Security-Policy the middleware sends with every page, built around a nonce made for that request.

/** Headers that never vary: no sniffing of content types, no framing, no referrer leaking paths to other sites. */
export const STATIC_SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
];

export interface CspInput {
  /** A fresh random value per request; only scripts carrying it (and what they load) run. */
  nonce: string;
  /** The page's own origin as the browser sees it, e.g. http://127.0.0.1:3000. */
  pageOrigin: string;
  /** NEXT_PUBLIC_API_URL, when the API is configured explicitly. */
  apiUrl?: string;
  /** Further origins the browser may call (space-separated), e.g. the Supabase project URL. */
  extraConnect?: string;
  /** next dev evaluates code it sends; a production build never does. */
  dev?: boolean;
}

/** The origin and its WebSocket twin (SignalR), or nothing for a value that is not a URL. */
function withWebSocket(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const ws = `${u.protocol === "https:" ? "wss:" : "ws:"}//${u.host}`;
    return [u.origin, ws];
  } catch {
    return [];
  }
}

/** Where the API is when nothing configures it: the page's host on :8000 (as the client assumes). */
function defaultApi(pageOrigin: string): string | undefined {
  try {
    const u = new URL(pageOrigin);
    return `${u.protocol}//${u.hostname}:8000`;
  } catch {
    return undefined;
  }
}

/**
 * A strict policy: scripts only with this request's nonce ('strict-dynamic' lets them load Next's chunks), no
 * plugins, no <base>, forms only to this app, never inside a frame, and connections only to this app and the API.
 * Inline style attributes stay allowed: the canvas positions nodes with them, and they cannot run code.
 */
export function contentSecurityPolicy({ nonce, pageOrigin, apiUrl, extraConnect, dev }: CspInput): string {
  const connect = new Set(["'self'", ...withWebSocket(apiUrl || defaultApi(pageOrigin)), ...(extraConnect ?? "").split(/\s+/).filter(Boolean)]);
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": [...connect],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives).map(([name, values]) => `${name} ${values.join(" ")}`).join("; ");
}
