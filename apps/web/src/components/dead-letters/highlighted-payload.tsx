"use client";
// A dead letter's payload with the value its JSON pointer names highlighted (and scrolled into view
// inside the box), with a line saying what is marked — or that the named property is missing.
import { clsx } from "clsx";
import { useEffect, useMemo, useRef } from "react";
import { failingValue } from "@/lib/json-pointer-span";
import { lineAndColumn } from "@/lib/json-syntax";

export function HighlightedPayload({
  text,
  pointer,
  testId,
  className,
}: {
  /** The payload as shown (as received, or indented). */
  text: string;
  pointer: string | null | undefined;
  testId?: string;
  className?: string;
}) {
  const found = useMemo(() => failingValue(text, pointer), [text, pointer]);
  const box = useRef<HTMLPreElement>(null);
  const mark = useRef<HTMLElement>(null);
  // The marked value in view inside the box, a third of the way down; the page itself does not move.
  useEffect(() => {
    const pre = box.current;
    const el = mark.current;
    if (!pre || !el || found?.found !== "value") return;
    pre.scrollTop = Math.max(0, el.offsetTop - pre.offsetTop - pre.clientHeight / 3);
  }, [found]);
  const classes = clsx(
    "max-h-96 overflow-auto whitespace-pre-wrap break-words rounded-md bg-gray-50 p-3 font-mono text-gray-800 text-xs leading-relaxed ring-1 ring-gray-200 ring-inset",
    className,
  );
  let note: string | undefined;
  if (found?.found === "value") {
    note = `The failing value at ${pointer} (line ${lineAndColumn(text, found.from).line}) is highlighted.`;
  } else if (found?.found === "missing") {
    const where = found.parent === "/" ? "the event's top level" : found.parent;
    note = `${pointer} is not in the payload: a property missing from ${where}.`;
  }
  return (
    <>
      {note ? (
        <p className="mb-1 text-gray-600 text-xs" data-testid="dead-letter-failing-note">
          {note}
        </p>
      ) : null}
      <pre ref={box} data-testid={testId} className={classes}>
        {found?.found === "value" ? (
          <>
            {text.slice(0, found.from)}
            <mark
              ref={mark}
              data-testid="dead-letter-failing-value"
              title={`Failing value at ${pointer}`}
              className="rounded-sm bg-amber-200 px-0.5 text-gray-900 ring-1 ring-amber-400"
            >
              {text.slice(found.from, found.to)}
            </mark>
            {text.slice(found.to)}
          </>
        ) : (
          text
        )}
      </pre>
    </>
  );
}
