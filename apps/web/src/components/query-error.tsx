"use client";
// A failed query inside a section: the API's 403 becomes the access page, anything else an error with Retry.
import { AccessDenied } from "@/components/access-denied";
import { ErrorState } from "@/components/ui/error-state";
import { describeError, errorCode } from "@/lib/trpc-errors";

export function QueryError({
  error,
  sectionLabel,
  onRetry,
  retrying,
}: {
  error: unknown;
  sectionLabel: string;
  onRetry: () => void;
  retrying: boolean;
}) {
  if (errorCode(error) === "FORBIDDEN")
    return <AccessDenied sectionLabel={sectionLabel} message={describeError(error)} />;
  return <ErrorState message={describeError(error)} onRetry={onRetry} retrying={retrying} />;
}
