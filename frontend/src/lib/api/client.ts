// Thin fetch wrapper for the WorkflowControl API: base URL, bearer token, ETags and ProblemDetails.
import type { ProblemDetails } from "./types";

declare global {
  interface Window { __WFC_CONFIG__?: { apiUrl?: string } }
}

/** The API's address: NEXT_PUBLIC_API_URL given to the server at run time, else the page's host on :8000. */
export function apiBaseUrl(): string {
  if (typeof window === "undefined") return process.env.NEXT_PUBLIC_API_URL ?? "http://127.0.0.1:8000";
  const configured = window.__WFC_CONFIG__?.apiUrl;
  if (configured) return configured.replace(/\/$/, "");
  return `${window.location.protocol}//${window.location.hostname}:8000`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(problem.detail ?? problem.title ?? `Request failed (${status})`);
    this.name = "ApiError";
  }
}

let tokenSource: () => string | null = () => null;
let onUnauthorized: () => void = () => {};

/** The auth feature registers where the current token comes from and what a 401 does. */
export function configureAuth(getToken: () => string | null, unauthorized: () => void): void {
  tokenSource = getToken;
  onUnauthorized = unauthorized;
}

export function currentToken(): string | null {
  return tokenSource();
}

export interface ApiResponse<T> { data: T; status: number; etag: string | null; headers: Headers }
export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  anonymous?: boolean;
  /** A multipart body (an upload) instead of JSON. */
  form?: FormData;
  /** The answer as a Blob (a download) instead of JSON. */
  blob?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const token = options.anonymous ? null : tokenSource();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`${apiBaseUrl()}${path}`, {
      method: options.method ?? "GET",
      headers,
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, { title: "The server cannot be reached", status: 0 });
  }
  if (options.blob && response.ok) return { data: (await response.blob()) as T, status: response.status, etag: response.headers.get("ETag"), headers: response.headers };
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && token) onUnauthorized();
    const problem: ProblemDetails =
      parsed && typeof parsed === "object" ? (parsed as ProblemDetails) : { title: response.statusText, status: response.status };
    throw new ApiError(response.status, { status: response.status, ...problem });
  }
  return { data: parsed as T, status: response.status, etag: response.headers.get("ETag"), headers: response.headers };
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>(path, { signal }).then((r) => r.data),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: "POST", body: body ?? {} }).then((r) => r.data),
  put: <T>(path: string, body?: unknown) => request<T>(path, { method: "PUT", body }).then((r) => r.data),
  delete: (path: string) => request<void>(path, { method: "DELETE" }).then(() => undefined),
  upload: <T>(path: string, form: FormData) => request<T>(path, { method: "POST", form }).then((r) => r.data),
  blob: (path: string) => request<Blob>(path, { blob: true, headers: { Accept: "*/*" } }).then((r) => r.data),
};

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
