// Every page gets a Content-Security-Policy with a nonce made for its request. Next.js reads the policy from the
// request headers and puts the nonce on its own scripts; the layout puts it on the one inline script it writes.
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy } from "@/lib/security/headers";

export function middleware(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const policy = contentSecurityPolicy({
    nonce,
    pageOrigin: request.nextUrl.origin,
    apiUrl: process.env.NEXT_PUBLIC_API_URL,
    extraConnect: process.env.CSP_CONNECT_SRC,
    dev: process.env.NODE_ENV === "development",
  });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  // Pages only: built assets are not documents, and prefetches need no policy of their own.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)", missing: [{ type: "header", key: "next-router-prefetch" }, { type: "header", key: "purpose", value: "prefetch" }] }],
};
