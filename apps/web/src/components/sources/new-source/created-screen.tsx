// After registration: where to send events, the API key (shown this once), examples that send an
// event exactly as shown, and the way to the source's page.
import { ArrowRight, CircleCheck, TriangleAlert } from "lucide-react";
import Link from "next/link";
import type { Ref } from "react";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { CopyField } from "../copy-field";
import { ExampleTabs, type IngestExamples } from "./example-tabs";

export interface CreatedSource {
  slug: string;
  name: string;
  table: string;
  ingestUrl: string;
  apiKey: { key: string; prefix: string };
  examples: IngestExamples;
}

export function CreatedScreen({
  created,
  headingRef,
  onAnother,
}: {
  created: CreatedSource;
  headingRef: Ref<HTMLHeadingElement>;
  onAnother: () => void;
}) {
  return (
    <Card>
      <CardBody className="space-y-6 py-6">
        <div className="flex items-start gap-3">
          <CircleCheck className="mt-0.5 size-5 shrink-0 text-emerald-600" aria-hidden="true" />
          <div>
            <h2
              ref={headingRef}
              tabIndex={-1}
              className="font-semibold text-gray-900 text-lg focus:outline-none"
            >
              Source “{created.name}” created
            </h2>
            <p className="mt-1 text-gray-600 text-sm">
              Events sent to it are checked, stored raw, and land in the table{" "}
              <span className="font-mono">{created.table}</span> within seconds.
            </p>
          </div>
        </div>

        <section aria-labelledby="created-url-title" className="space-y-2">
          <h3 id="created-url-title" className="font-medium text-gray-900 text-sm">
            Ingest URL
          </h3>
          <CopyField value={created.ingestUrl} label="Ingest URL" />
        </section>

        <section aria-labelledby="created-key-title" className="space-y-2">
          <h3 id="created-key-title" className="font-medium text-gray-900 text-sm">
            API key
          </h3>
          <div
            role="note"
            className="flex items-start gap-2 rounded-md bg-amber-50 px-3 py-2 text-amber-900 text-sm ring-1 ring-amber-200 ring-inset"
          >
            <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
            <span>
              Copy this key now: it is shown only once. Inlet keeps only its hash; if it is lost, create a new
              key on the source's page.
            </span>
          </div>
          <CopyField value={created.apiKey.key} label="API key" />
        </section>

        <section aria-labelledby="created-examples-title" className="space-y-2">
          <h3 id="created-examples-title" className="font-medium text-gray-900 text-sm">
            Send a first event
          </h3>
          <p className="text-gray-600 text-sm">
            Each example sends one event its schema accepts, with this key. Events with the same id are stored
            once: change the id to send another.
          </p>
          <ExampleTabs examples={created.examples} />
        </section>

        <div className="flex flex-wrap items-center gap-3 border-gray-100 border-t pt-5">
          <Link href={`/sources/${encodeURIComponent(created.slug)}`} className={buttonClasses("primary")}>
            Open the source page <ArrowRight className="size-4" aria-hidden="true" />
          </Link>
          <button type="button" onClick={onAnother} className={buttonClasses("ghost")}>
            Register another source
          </button>
        </div>
      </CardBody>
    </Card>
  );
}
