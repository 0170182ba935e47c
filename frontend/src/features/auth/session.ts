// The signed-in session: a local JWT from the API, or a Supabase session when /auth/config says so.
"use client";
import { create } from "zustand";
import type { SupabaseClient } from "@supabase/supabase-js";
import { api, configureAuth, request } from "@/lib/api/client";
import type { AuthConfig, AuthResponse, User } from "@/lib/api/types";

const STORAGE_KEY = "wfc.session";

interface StoredSession { token: string; expiresAt: string; user: User }

export interface SessionState {
  status: "loading" | "signedOut" | "signedIn";
  mode: AuthConfig["mode"];
  token: string | null;
  user: User | null;
  init: () => Promise<void>;
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (email: string, password: string, displayName: string) => Promise<void>;
  signOut: () => Promise<void>;
}

let supabase: SupabaseClient | null = null;
let initStarted: Promise<void> | null = null;

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as StoredSession;
    return new Date(s.expiresAt).getTime() > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export const useSession = create<SessionState>()((set, get) => {
  const acceptLocal = (r: AuthResponse) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ token: r.token, expiresAt: r.expiresAt, user: r.user }));
    set({ status: "signedIn", token: r.token, user: r.user });
  };
  const acceptSupabaseToken = async (accessToken: string) => {
    set({ token: accessToken });
    const user = await api.get<User>("/auth/me");
    set({ status: "signedIn", user });
  };
  return {
    status: "loading",
    mode: "local",
    token: null,
    user: null,
    init: () => {
      initStarted ??= (async () => {
        configureAuth(
          () => get().token,
          () => {
            localStorage.removeItem(STORAGE_KEY);
            set({ status: "signedOut", token: null, user: null });
          },
        );
        const stored = readStored();
        if (stored) set({ status: "signedIn", token: stored.token, user: stored.user });
        let config: AuthConfig = { mode: "local" };
        try {
          config = (await request<AuthConfig>("/auth/config", { anonymous: true })).data;
        } catch {
          // The API may be down; a stored local session still lets the user see their work once it is back.
        }
        set({ mode: config.mode });
        if (config.mode === "supabase" && config.supabaseUrl && config.supabaseAnonKey) {
          const { createClient } = await import("@supabase/supabase-js");
          supabase = createClient(config.supabaseUrl, config.supabaseAnonKey);
          const { data } = await supabase.auth.getSession();
          supabase.auth.onAuthStateChange((_event, session) => {
            if (session) set({ token: session.access_token });
            else set({ status: "signedOut", token: null, user: null });
          });
          if (data.session) await acceptSupabaseToken(data.session.access_token);
          else set({ status: "signedOut" });
        } else if (!stored) {
          set({ status: "signedOut" });
        }
      })();
      return initStarted;
    },
    signIn: async (email, password) => {
      if (get().mode === "supabase" && supabase) {
        const { data, error } = await supabase.auth.signInWithPassword({ email, password });
        if (error || !data.session) throw new Error(error?.message ?? "Sign-in failed.");
        await acceptSupabaseToken(data.session.access_token);
        return;
      }
      acceptLocal((await request<AuthResponse>("/auth/signin", { method: "POST", body: { email, password }, anonymous: true })).data);
    },
    signUp: async (email, password, displayName) => {
      if (get().mode === "supabase" && supabase) {
        const { data, error } = await supabase.auth.signUp({ email, password, options: { data: { display_name: displayName } } });
        if (error) throw new Error(error.message);
        if (!data.session) throw new Error("Check your e-mail to confirm the account, then sign in.");
        await acceptSupabaseToken(data.session.access_token);
        return;
      }
      acceptLocal((await request<AuthResponse>("/auth/signup", { method: "POST", body: { email, password, displayName }, anonymous: true })).data);
    },
    signOut: async () => {
      if (supabase) await supabase.auth.signOut();
      localStorage.removeItem(STORAGE_KEY);
      set({ status: "signedOut", token: null, user: null });
    },
  };
});
