"use client";
import { useParams } from "next/navigation";
import { AuthGate } from "@/features/auth/AuthGate";
import { Editor } from "@/features/editor/Editor";

export default function WorkflowPage() {
  const { id } = useParams<{ id: string }>();
  return (
    <AuthGate>
      <Editor workflowId={id} />
    </AuthGate>
  );
}
