"use client";
// Proposing a source's next schema version: edit a copy of the active schema, check it (the verdict
// under the source's mode, the meaning-level diff, new columns, downstream impact), then register it.
// Registering stays disabled until a check of exactly the text in the editor has passed.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ClipboardCheck, FilePlus2, Upload } from "lucide-react";
import { useId, useMemo, useState } from "react";
import { JsonSchemaEditor } from "@/components/schema/json-schema-editor";
import { Button } from "@/components/ui/button";
import { findJsonSyntaxError } from "@/lib/json-syntax";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";
import { CheckResult } from "./check-result";

type JsonObject = Record<string, unknown>;

/** The editor's text as a JSON object, or why it is not one (syntax errors are the editor's to show). */
function parseSchema(text: string): { schema: JsonObject } | { problem: string | undefined } {
  if (text.trim() === "") return { problem: "Write the new version's JSON Schema." };
  if (findJsonSyntaxError(text)) return { problem: undefined };
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problem: 'A JSON Schema here is an object, such as { "type": "object", "properties": { … } }.' };
  }
  return { schema: value as JsonObject };
}

/** An error about the schema itself goes under the editor; any other is said beside the buttons. */
function splitError(error: unknown): { schema?: string; other?: string } {
  if (!error) return {};
  const schema = fieldIssues(error).schema;
  return schema ? { schema } : { other: describeError(error) };
}

export function NewVersionForm({
  slug,
  activeSchema,
  activeVersion,
  onClose,
}: {
  slug: string;
  activeSchema: unknown;
  activeVersion: number;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState(() => JSON.stringify(activeSchema, null, 2));
  const [checkedText, setCheckedText] = useState<string | undefined>();
  const [registered, setRegistered] = useState<{ version: number; columns: string[] } | undefined>();
  const check = useMutation(trpc.schemas.check.mutationOptions());
  const register = useMutation(
    trpc.schemas.register.mutationOptions({
      onSuccess: (result) => {
        setRegistered({ version: result.version, columns: result.columnsAdded.map((c) => c.name) });
        void queryClient.invalidateQueries({ queryKey: trpc.schemas.list.queryKey({ slug }) });
        void queryClient.invalidateQueries({ queryKey: trpc.sources.get.queryKey({ slug }) });
      },
    }),
  );
  const hintId = useId();
  const parsed = useMemo(() => parseSchema(text), [text]);
  const result = check.data;
  const stale = result !== undefined && checkedText !== text;
  const canRegister =
    result !== undefined && !stale && result.compatible && !result.identical && "schema" in parsed;
  const checkError = splitError(check.error);
  const registerError = splitError(register.error);
  const editorErrors = [
    ...("problem" in parsed && parsed.problem && text.trim() !== "" ? [parsed.problem] : []),
    ...(checkError.schema && checkedText === text ? [checkError.schema] : []),
    ...(registerError.schema ? [registerError.schema] : []),
  ];

  if (registered) {
    return (
      <div role="status" className="space-y-3">
        <p className="rounded-md bg-emerald-50 px-4 py-3 text-emerald-900 text-sm ring-1 ring-emerald-200 ring-inset">
          Version {registered.version} is registered and active: new events are checked against it.
          {registered.columns.length > 0
            ? ` New curated columns: ${registered.columns.join(", ")} (rows written before read NULL there).`
            : ""}
        </p>
        <Button variant="secondary" onClick={onClose}>
          Done
        </Button>
      </div>
    );
  }

  const runCheck = () => {
    if (!("schema" in parsed)) return;
    register.reset();
    setCheckedText(text);
    check.mutate({ slug, schema: parsed.schema });
  };

  return (
    <div className="space-y-4">
      <JsonSchemaEditor
        value={text}
        onChange={(next) => {
          setText(next);
          register.reset();
        }}
        ariaLabel="New schema version (JSON Schema)"
        errors={editorErrors}
        height="24rem"
      />
      <div className="flex flex-wrap items-center gap-2">
        <Button
          variant="secondary"
          icon={<ClipboardCheck className="size-4" aria-hidden="true" />}
          loading={check.isPending}
          disabled={!("schema" in parsed)}
          onClick={runCheck}
        >
          Check
        </Button>
        <Button
          icon={<Upload className="size-4" aria-hidden="true" />}
          loading={register.isPending}
          disabled={!canRegister}
          aria-describedby={hintId}
          onClick={() => {
            if ("schema" in parsed) register.mutate({ slug, schema: parsed.schema });
          }}
        >
          Register version
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <p id={hintId} className="text-gray-500 text-xs">
          {result === undefined
            ? `Check the schema against version ${activeVersion} first.`
            : stale
              ? "The schema was edited after the check: check it again."
              : result.identical
                ? "Nothing to register: it is the active version."
                : result.compatible
                  ? `Registers version ${result.nextVersion} and makes it active.`
                  : "Fix the problems the check found, then check again."}
        </p>
      </div>
      {checkError.other ? (
        <p role="alert" className="text-red-700 text-sm">
          {checkError.other}
        </p>
      ) : null}
      {registerError.other ? (
        <p role="alert" className="text-red-700 text-sm">
          {registerError.other}
        </p>
      ) : null}
      {result ? (
        <section
          aria-label="Check result"
          className={stale ? "opacity-60" : undefined}
          aria-describedby={stale ? hintId : undefined}
        >
          <CheckResult check={result} />
        </section>
      ) : null}
    </div>
  );
}

export function NewVersionButton({ onClick }: { onClick: () => void }) {
  return (
    <Button icon={<FilePlus2 className="size-4" aria-hidden="true" />} onClick={onClick}>
      New version
    </Button>
  );
}
