export function signJwt(claims: Record<string, unknown>, secret: string): string;
export function verifyJwt(token: string, secret: string): Record<string, unknown> | null;
export function startSupabaseStub(options: {
  secret: string;
  users: Record<string, { password: string; displayName: string }>;
  port?: number;
  host?: string;
}): Promise<{ url: string; close: () => Promise<void> }>;
