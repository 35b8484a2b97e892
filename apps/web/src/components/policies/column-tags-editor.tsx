"use client";
// A column's tags as chips (each removable) and a field to add one: a known tag (suggested, pii, email
// and financial first) or a new one, created when the policy is saved.
import { clsx } from "clsx";
import { Plus, X } from "lucide-react";
import { type KeyboardEvent, useId, useState } from "react";
import { normalizeTag } from "./policy-draft";

export function ColumnTagsEditor({
  column,
  tags,
  known,
  onChange,
  changed,
  problem,
}: {
  column: string;
  tags: string[];
  /** Every tag that exists, for suggestions. */
  known: string[];
  onChange: (tags: string[]) => void;
  changed: boolean;
  /** The API's complaint about this column's tags. */
  problem?: string | undefined;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [localProblem, setLocalProblem] = useState<string | undefined>();
  const shown = localProblem ?? problem;

  const add = () => {
    if (!text.trim()) return;
    const parsed = normalizeTag(text);
    if ("problem" in parsed) {
      setLocalProblem(parsed.problem);
      return;
    }
    setLocalProblem(undefined);
    setText("");
    if (!tags.includes(parsed.tag)) onChange([...tags, parsed.tag]);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add();
    }
  };
  const suggestions = known.filter((t) => !tags.includes(t));

  return (
    <div
      className={clsx("rounded p-1", changed && "bg-amber-50 ring-1 ring-amber-300")}
      data-testid={`policy-tags-${column}`}
    >
      <ul className="flex flex-wrap gap-1" aria-label={`Tags of ${column}`}>
        {tags.map((tag) => (
          <li
            key={tag}
            className="inline-flex items-center gap-0.5 rounded bg-accent-50 py-0.5 pr-0.5 pl-1.5 font-medium text-[11px] text-accent-800 ring-1 ring-accent-200 ring-inset"
          >
            {tag}
            <button
              type="button"
              onClick={() => onChange(tags.filter((t) => t !== tag))}
              aria-label={`Remove tag ${tag} from ${column}`}
              className="rounded p-0.5 text-accent-600 hover:bg-accent-100 hover:text-accent-900 focus-visible:outline-2 focus-visible:outline-accent-500"
            >
              <X className="size-3" aria-hidden="true" />
            </button>
          </li>
        ))}
      </ul>
      <div className="mt-1 flex items-center gap-1">
        <input
          type="text"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setLocalProblem(undefined);
          }}
          onKeyDown={onKeyDown}
          list={`${id}-known`}
          aria-label={`Add a tag to ${column}`}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? `${id}-problem` : undefined}
          placeholder="Add tag"
          maxLength={40}
          className="h-6 w-24 min-w-0 rounded border border-gray-300 bg-white px-1.5 text-[11px] shadow-xs placeholder:text-gray-400 focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/20 aria-invalid:border-red-400"
        />
        <datalist id={`${id}-known`}>
          {suggestions.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <button
          type="button"
          onClick={add}
          aria-label={`Add the tag to ${column}`}
          className="rounded p-1 text-gray-500 hover:bg-gray-100 hover:text-gray-800 focus-visible:outline-2 focus-visible:outline-accent-500"
        >
          <Plus className="size-3.5" aria-hidden="true" />
        </button>
      </div>
      {shown ? (
        <p id={`${id}-problem`} role="alert" className="mt-1 text-[11px] text-red-700">
          {shown}
        </p>
      ) : null}
    </div>
  );
}
