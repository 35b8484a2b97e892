"use client";
// A modal dialog on the browser's own <dialog>: showModal() traps focus and makes the page behind it
// inert, Escape closes it, focus starts on its first field, and returns to what opened it. Named by its title.
import { X } from "lucide-react";
import { type ReactNode, useEffect, useId, useRef } from "react";

const FIRST_FIELD =
  'input:not([type="hidden"]):not(:disabled), textarea:not(:disabled), select:not(:disabled)';

export function ModalDialog({
  open,
  title,
  description,
  onClose,
  children,
  width = "max-w-lg",
}: {
  open: boolean;
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** A Tailwind max-width class. */
  width?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // showModal() focuses the header's Close button, the first control: a dialog with a field starts
      // on that field instead, so what is typed fills it and Enter submits rather than closing.
      dialog.querySelector<HTMLElement>(FIRST_FIELD)?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      className={`m-auto w-[calc(100%-2rem)] ${width} rounded-lg border border-gray-200 bg-white p-0 shadow-xl backdrop:bg-gray-900/30`}
    >
      {open ? (
        <div>
          <div className="flex items-start justify-between gap-4 border-gray-100 border-b px-5 py-4">
            <div className="min-w-0">
              <h2 id={titleId} className="font-semibold text-gray-900 text-sm">
                {title}
              </h2>
              {description ? (
                <p id={descriptionId} className="mt-0.5 text-gray-500 text-xs">
                  {description}
                </p>
              ) : null}
            </div>
            <button
              type="button"
              onClick={onClose}
              aria-label="Close"
              className="rounded p-1 text-gray-400 hover:bg-gray-100 hover:text-gray-600 focus-visible:outline-2 focus-visible:outline-accent-500"
            >
              <X className="size-4" aria-hidden="true" />
            </button>
          </div>
          <div className="px-5 py-4">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}
