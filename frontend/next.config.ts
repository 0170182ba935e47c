import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./src/lib/security/headers";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The workspace root holds other projects' lockfiles; pin tracing to this folder.
  outputFileTracingRoot: __dirname,
  eslint: { ignoreDuringBuilds: true },
  poweredByHeader: false,
  // Every answer: nosniff, no framing, a careful referrer. The Content-Security-Policy needs a nonce per request,
  // so src/middleware.ts sets it on every page (with frame-ancestors 'none').
  async headers() {
    return [{ source: "/:path*", headers: STATIC_SECURITY_HEADERS }];
  },
};

export default nextConfig;
