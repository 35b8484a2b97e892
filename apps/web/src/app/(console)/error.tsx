"use client";
// Last-resort boundary for a console page that crashed while rendering.
import { Card } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";

export default function ConsoleError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <Card>
      <ErrorState
        title="This page failed to load"
        message={error.message || "Something went wrong."}
        onRetry={reset}
      />
    </Card>
  );
}
