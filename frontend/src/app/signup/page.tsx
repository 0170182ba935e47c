import { Suspense } from "react";
import { AuthForm } from "@/features/auth/AuthForm";

export default function SignUpPage() {
  return (
    <Suspense>
      <AuthForm kind="signup" />
    </Suspense>
  );
}
