// A payload search the API would not run (the reader's column rules restrict the source, the search ran
// past its time limit, the text is too short): why, and a way back to the list without it.
import { SearchX } from "lucide-react";
import { Button } from "@/components/ui/button";
import { describeError, errorCode, httpStatusOf } from "@/lib/trpc-errors";

/** The message to show when a search is what the API refused; undefined for any other failure. */
export function searchProblem(error: unknown, searching: boolean): string | undefined {
  if (!searching || !error) return undefined;
  return errorCode(error) === "FORBIDDEN" || httpStatusOf(error) === 400 ? describeError(error) : undefined;
}

export function SearchProblem({ message, onClear }: { message: string; onClear: () => void }) {
  return (
    <div
      role="alert"
      data-testid="dead-letter-search-problem"
      className="flex flex-col items-center justify-center px-6 py-12 text-center"
    >
      <div className="flex size-11 items-center justify-center rounded-full bg-amber-50 text-amber-700 ring-8 ring-amber-50/50">
        <SearchX aria-hidden="true" className="size-5" />
      </div>
      <h3 className="mt-4 font-semibold text-gray-900 text-sm">The payload search was not run</h3>
      <p className="mt-1 max-w-lg break-words text-gray-600 text-sm">{message}</p>
      <Button variant="secondary" size="sm" className="mt-5" onClick={onClear}>
        Clear search
      </Button>
    </div>
  );
}
