"use client";
// The copy-paste examples that send the new source an event (curl, JavaScript fetch, Python requests),
// as tabs, each panel with its Copy button.
import { useRef, useState } from "react";
import { TabPanel, Tabs } from "@/components/ui/tabs";
import { CopyButton } from "./copy-button";

export interface IngestExamples {
  curl: string;
  javascript: string;
  python: string;
}

type ExampleId = keyof IngestExamples;

const TABS: readonly { id: ExampleId; label: string; copy: string }[] = [
  { id: "curl", label: "curl", copy: "Copy curl command" },
  { id: "javascript", label: "JavaScript (fetch)", copy: "Copy JavaScript example" },
  { id: "python", label: "Python (requests)", copy: "Copy Python example" },
];

const ID_PREFIX = "ingest-example";

export function ExampleTabs({ examples }: { examples: IngestExamples }) {
  const [selected, setSelected] = useState<ExampleId>("curl");
  const code = useRef<HTMLPreElement>(null);
  const tab = TABS.find((t) => t.id === selected) ?? TABS[0]!;
  const selectCode = () => {
    const selection = window.getSelection();
    if (code.current && selection) selection.selectAllChildren(code.current);
  };
  return (
    <div>
      <Tabs label="Examples" idPrefix={ID_PREFIX} tabs={TABS} selected={selected} onSelect={setSelected} />
      <TabPanel
        idPrefix={ID_PREFIX}
        id={tab.id}
        className="relative mt-3 rounded-md border border-gray-200 bg-gray-50"
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
      </TabPanel>
    </div>
  );
}
