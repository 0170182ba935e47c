"use client";
import { useParams } from "next/navigation";
import { AuthGate } from "@/features/auth/AuthGate";
import { HistoryScreen } from "@/features/history/HistoryScreen";

export default function VersionHistoryPage() {
  const { id } = useParams<{ id: string }>();
  return <AuthGate><HistoryScreen workflowId={id} /></AuthGate>;
}
