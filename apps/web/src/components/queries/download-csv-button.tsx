"use client";
// Download CSV: the whole result of the SQL that ran, streamed by the API to the browser's downloads (a
// form posted into a hidden frame; the CSV is never built in the page). A refusal comes back into the
// frame as JSON, and its message is shown here.
import { Download } from "lucide-react";
import { useId, useRef, useState } from "react";
import { buttonClasses } from "@/components/ui/button";
import type { RunParams } from "./use-query-run";

function refusalIn(frame: HTMLIFrameElement): string | undefined {
  try {
    const text = frame.contentDocument?.body?.textContent?.trim();
    if (!text) return undefined;
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === "string" ? parsed.error.message : undefined;
  } catch {
    return undefined;
  }
}

export function DownloadCsvButton({
  sql,
  params,
  savedQueryId,
}: {
  sql: string;
  params: RunParams;
  savedQueryId: string | undefined;
}) {
  const id = useId();
  const frameName = `csv-download-${id.replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const frame = useRef<HTMLIFrameElement>(null);
  const [status, setStatus] = useState<{ error: boolean; text: string } | undefined>(undefined);
  return (
    <div className="flex items-center gap-2">
      <span role="status" className={status?.error ? "text-red-700 text-xs" : "text-gray-500 text-xs"}>
        {status?.text}
      </span>
      <form
        method="post"
        action="/api/queries/csv"
        target={frameName}
        onSubmit={() => {
          setStatus({
            error: false,
            text: "Download started: the query runs again and streams to your downloads.",
          });
          setTimeout(() => setStatus((s) => (s?.error ? s : undefined)), 6000);
        }}
      >
        <input type="hidden" name="sql" value={sql} />
        <input type="hidden" name="params" value={JSON.stringify(params)} />
        <input type="hidden" name="savedQueryId" value={savedQueryId ?? ""} />
        <button type="submit" className={buttonClasses("secondary", "sm")}>
          <Download className="size-3.5" aria-hidden="true" />
          Download CSV
        </button>
      </form>
      <iframe
        ref={frame}
        name={frameName}
        title="CSV download"
        className="hidden"
        // A download leaves the frame as it was; a refusal loads into it.
        onLoad={() => {
          const message = frame.current ? refusalIn(frame.current) : undefined;
          if (message) setStatus({ error: true, text: `Download refused: ${message}` });
        }}
      />
    </div>
  );
}
