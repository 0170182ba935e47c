"use client";
import { AuthGate } from "@/features/auth/AuthGate";
import { Dashboard } from "@/features/dashboard/Dashboard";

export default function HomePage() {
  return (
    <AuthGate>
      <Dashboard />
    </AuthGate>
  );
}
