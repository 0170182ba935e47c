"use client";
import { useParams } from "next/navigation";
import { AuthGate } from "@/features/auth/AuthGate";
import { RunPage } from "@/features/runs/RunPage";

export default function RunDetailPage() {
  const { id, runId } = useParams<{ id: string; runId: string }>();
  return <AuthGate><RunPage workflowId={id} runId={decodeURIComponent(runId)} /></AuthGate>;
}
