import { Suspense } from "react";
import { AuthForm } from "@/features/auth/AuthForm";

export default function SignInPage() {
  return (
    <Suspense>
      <AuthForm kind="signin" />
    </Suspense>
  );
}
