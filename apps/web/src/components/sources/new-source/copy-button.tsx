"use client";
// A Copy button for a block of text; where the clipboard is refused (plain http on another host) the
// text is selected instead, ready for Ctrl+C.
import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";

export function CopyButton({
  text,
  label,
  selectOnFailure,
}: {
  text: string;
  label: string;
  selectOnFailure?: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      selectOnFailure?.();
    }
  };
  return (
    <Button
      variant="secondary"
      size="sm"
      aria-label={label}
      onClick={() => void copy()}
      icon={
        copied ? (
          <Check className="size-4" aria-hidden="true" />
        ) : (
          <Copy className="size-4" aria-hidden="true" />
        )
      }
    >
      {copied ? "Copied" : "Copy"}
    </Button>
  );
}
