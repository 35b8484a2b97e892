// What a view shows when loading failed: the reason in plain words and a way to try again.
import { clsx } from "clsx";
import { RefreshCw, TriangleAlert } from "lucide-react";
import { Button } from "./button";

export function ErrorState({
  title = "Couldn't load this",
  message,
  onRetry,
  retrying = false,
  className,
}: {
  title?: string;
  message: string;
  onRetry?: () => void;
  retrying?: boolean;
  className?: string;
}) {
  return (
    <div
      role="alert"
      className={clsx("flex flex-col items-center justify-center px-6 py-12 text-center", className)}
    >
      <div className="flex size-11 items-center justify-center rounded-full bg-red-50 text-red-600 ring-8 ring-red-50/50">
        <TriangleAlert aria-hidden="true" className="size-5" />
      </div>
      <h3 className="mt-4 font-semibold text-gray-900 text-sm">{title}</h3>
      <p className="mt-1 max-w-md break-words text-gray-600 text-sm">{message}</p>
      {onRetry ? (
        <Button
          variant="secondary"
          size="sm"
          className="mt-5"
          onClick={onRetry}
          loading={retrying}
          icon={<RefreshCw aria-hidden="true" className="size-3.5" />}
        >
          Retry
        </Button>
      ) : null}
    </div>
  );
}
