"use client";
import { useParams } from "next/navigation";
import { AuthGate } from "@/features/auth/AuthGate";
import { History } from "@/features/runs/History";

export default function HistoryPage() {
  const { id } = useParams<{ id: string }>();
  return <AuthGate><History workflowId={id} /></AuthGate>;
}
