"use client";
import { AuthGate } from "@/features/auth/AuthGate";
import { TokensPage } from "@/features/tokens/TokensPage";

export default function Tokens() {
  return <AuthGate><TokensPage /></AuthGate>;
}
