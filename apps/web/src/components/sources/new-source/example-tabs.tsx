"use client";
// The copy-paste examples that send the new source an event (curl, JavaScript fetch, Python requests),
// as tabs: arrow keys move between them, each panel has its Copy button.
import { type KeyboardEvent, useId, useRef, useState } from "react";
import { CopyButton } from "./copy-button";

export interface IngestExamples {
  curl: string;
  javascript: string;
  python: string;
}

const TABS = [
  { id: "curl", label: "curl", copy: "Copy curl command" },
  { id: "javascript", label: "JavaScript (fetch)", copy: "Copy JavaScript example" },
  { id: "python", label: "Python (requests)", copy: "Copy Python example" },
] as const;

export function ExampleTabs({ examples }: { examples: IngestExamples }) {
  const base = useId();
  const [active, setActive] = useState(0);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const code = useRef<HTMLPreElement>(null);

  const select = (index: number) => {
    const next = (index + TABS.length) % TABS.length;
    setActive(next);
    tabs.current[next]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "ArrowRight") select(active + 1);
    else if (event.key === "ArrowLeft") select(active - 1);
    else if (event.key === "Home") select(0);
    else if (event.key === "End") select(TABS.length - 1);
    else return;
    event.preventDefault();
  };
  const selectCode = () => {
    const pre = code.current;
    const selection = window.getSelection();
    if (!pre || !selection) return;
    selection.selectAllChildren(pre);
  };

  const tab = TABS[active]!;
  return (
    <div>
      <div role="tablist" aria-label="Examples" className="flex gap-1 border-gray-200 border-b">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${t.id}`}
            aria-selected={i === active}
            aria-controls={`${base}-panel`}
            tabIndex={i === active ? 0 : -1}
            onClick={() => setActive(i)}
            onKeyDown={onKeyDown}
            className={
              i === active
                ? "-mb-px rounded-t-md border border-gray-200 border-b-white bg-white px-3 py-1.5 font-medium text-gray-900 text-sm focus-visible:outline-2 focus-visible:outline-accent-500"
                : "rounded-t-md px-3 py-1.5 text-gray-500 text-sm hover:text-gray-800 focus-visible:outline-2 focus-visible:outline-accent-500"
            }
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${base}-panel`}
        aria-labelledby={`${base}-tab-${tab.id}`}
        className="relative rounded-b-md border border-gray-200 border-t-0 bg-gray-50"
      >
        <div className="absolute top-2 right-2">
          <CopyButton text={examples[tab.id]} label={tab.copy} selectOnFailure={selectCode} />
        </div>
        <pre
          ref={code}
          // Wrapped rather than scrolled, so all of it is visible without a pointer; soft wraps are not
          // copied.
          className="whitespace-pre-wrap break-all p-4 pr-24 font-mono text-gray-800 text-xs leading-relaxed"
        >
          {examples[tab.id]}
        </pre>
      </div>
    </div>
  );
}
