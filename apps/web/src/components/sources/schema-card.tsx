// A source's active schema as producers need it: its version, the fields that give an event its id
// and time, and the JSON Schema every event is checked against, indented for reading; a link to the
// source's schema registry (every version, comparing them, registering the next).
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";

export interface SourceSchema {
  version: number;
  jsonSchema: unknown;
}

export function SchemaCard({
  schema,
  idField,
  timeField,
  registryHref,
}: {
  schema: SourceSchema | null;
  idField: string;
  timeField: string;
  /** Where the source's schema registry is; no link when not given. */
  registryHref?: string;
}) {
  return (
    <Card role="region" aria-labelledby="source-schema-title">
      <CardHeader
        title={<span id="source-schema-title">Schema</span>}
        description={
          schema
            ? "Every event is checked against this JSON Schema; one that fails it becomes a dead letter whose reason names the field and what was expected."
            : "None: payloads are stored whole, unchecked, in the _payload column."
        }
        actions={
          schema ? (
            <>
              <Badge tone="accent">Version {schema.version}</Badge>
              {registryHref ? (
                <Link href={registryHref} className={buttonClasses("secondary", "sm")}>
                  Schema registry
                </Link>
              ) : null}
            </>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-gray-500 text-xs">Event id field</dt>
            <dd className="text-gray-800 text-xs">
              <span className="font-mono">{idField}</span>{" "}
              <span className="text-gray-500">(NDJSON; assigned when absent)</span>
            </dd>
          </div>
          <div>
            <dt className="text-gray-500 text-xs">Event time field</dt>
            <dd className="text-gray-800 text-xs">
              {timeField === "" ? (
                <span className="text-gray-500">
                  None: an NDJSON event is stored at the time it was received (a CloudEvent's own time
                  attribute still counts)
                </span>
              ) : (
                <>
                  <span className="font-mono">{timeField}</span>{" "}
                  <span className="text-gray-500">(NDJSON; the ingest time when absent)</span>
                </>
              )}
            </dd>
          </div>
        </dl>
        {schema ? (
          <section aria-label={`JSON Schema, version ${schema.version}`}>
            <pre className="max-h-[32rem] overflow-auto rounded-md bg-gray-50 p-3 font-mono text-gray-800 text-xs leading-relaxed ring-1 ring-gray-200 ring-inset">
              {JSON.stringify(schema.jsonSchema, null, 2)}
            </pre>
          </section>
        ) : null}
      </CardBody>
    </Card>
  );
}
