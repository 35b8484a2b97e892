"use client";
// Dead letters: rejected events and bodies, landing on their causes — grouped by source × reason × JSON
// pointer × schema version, each with its count, first and last seen, trend and newest payload — then a
// group's letters, or every letter newest first; filtered by source, reason, status, time, batch and
// payload text, all kept in the address. `?id=` opens one letter with its failing value highlighted
// (the deadLetterId an ingest 4xx answers with); `?source=` and `?reason=` set the filters (a source
// page's rejects link here). On-call staff select letters, dry-run and replay them, and follow the
// replay jobs under their own tab, where a range of a source can also be reprocessed from raw.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { ReprocessCard, useCanReprocess } from "@/components/reprocess/reprocess-card";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { TabPanel, Tabs } from "@/components/ui/tabs";
import {
  activeFilterCount,
  apiFilter,
  type DeadLetterView,
  groupsView,
  groupView,
  readView,
  viewParams,
} from "@/lib/dead-letter-filters";
import { DeadLetterDetail } from "./dead-letter-detail";
import { DeadLetterFilterBar } from "./dead-letter-filter-bar";
import { DeadLetterGroupHeader } from "./dead-letter-group-header";
import { DeadLetterGroups } from "./dead-letter-groups";
import { DeadLetterList } from "./dead-letter-list";
import { ReplayJobs } from "./replay-jobs";
import { useCanReplay } from "./use-can-replay";

type Reasons = readonly { reasonCode: string; count: number }[];

export function DeadLettersView() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const openId = params.get("id") ?? undefined;
  const view = readView(params);
  const filter = apiFilter(view, Date.now());
  const [reasons, setReasons] = useState<Reasons>([]);
  const canReplay = useCanReplay();
  const canReprocess = useCanReprocess();
  const [startedJob, setStartedJob] = useState<string | undefined>();

  const go = (next: DeadLetterView, how: "push" | "replace") => {
    const query = viewParams(next, params).toString();
    const url = query ? `${pathname}?${query}` : pathname;
    if (how === "push") router.push(url, { scroll: false });
    else router.replace(url, { scroll: false });
  };
  // Filters replace the address; opening a group is a step Back returns from.
  const change = (next: Partial<DeadLetterView>) => {
    const merged = { ...view, ...next };
    // A group's source and reason are its key: choosing others goes back to the groups.
    const leavesGroup = view.view === "group" && ("source" in next || "reason" in next);
    go(leavesGroup ? groupsView(merged) : merged, "replace");
  };

  const [returnFocusTo, setReturnFocusTo] = useState<string | undefined>();
  const open = (id: string | undefined) => {
    const next = new URLSearchParams(params.toString());
    if (id) next.set("id", id);
    else next.delete("id");
    const query = next.toString();
    // Opening a letter is a step Back returns from; closing it replaces the entry.
    const url = query ? `${pathname}?${query}` : pathname;
    if (id) router.push(url, { scroll: false });
    else router.replace(url, { scroll: false });
  };
  const openLetter = (id: string) => {
    setReturnFocusTo(id);
    open(id);
  };
  const close = () => {
    open(undefined);
    // Back to the row the letter was opened from, for keyboard users.
    if (returnFocusTo) document.getElementById(`view-${returnFocusTo}`)?.focus();
  };
  const filtered = activeFilterCount(view) > 0;
  const tab = view.view === "letters" ? "letters" : view.view === "jobs" ? "jobs" : "groups";
  const replay = {
    canReplay,
    onJobStarted: (jobId: string) => {
      setStartedJob(jobId);
      go({ ...groupsView(view), view: "jobs" }, "push");
    },
  };

  return (
    <>
      <PageHeader
        title="Dead letters"
        description="Events and bodies the pipeline could not accept, grouped by cause, with the reason and the payload as received."
      />
      {openId ? (
        <div className="mb-6">
          <DeadLetterDetail key={openId} id={openId} onClose={close} />
        </div>
      ) : null}
      <Card>
        {view.view !== "jobs" ? (
          <DeadLetterFilterBar view={view} reasons={reasons} onChange={change} onFind={open} />
        ) : null}
        <Tabs
          label="Dead letters view"
          idPrefix="dead-letters"
          className="px-5 pt-1"
          tabs={[
            { id: "groups", label: "By cause" },
            { id: "letters", label: "All letters" },
            { id: "jobs", label: "Replay jobs" },
          ]}
          selected={tab}
          onSelect={(id) =>
            go(id === "groups" ? groupsView(view) : { ...groupsView(view), view: id }, "push")
          }
        />
        <TabPanel idPrefix="dead-letters" id={tab}>
          {view.view === "jobs" ? (
            <>
              <ReplayJobs canReplay={canReplay} highlightId={startedJob} />
              {canReprocess ? (
                <div className="border-gray-100 border-t p-5">
                  <ReprocessCard />
                </div>
              ) : null}
            </>
          ) : view.view === "groups" ? (
            <DeadLetterGroups
              filter={filter}
              sort={view.sort}
              onSort={(sort) => change({ sort })}
              filtered={filtered}
              onOpenGroup={(g) => go(groupView(view, { ...g, source: g.source }), "push")}
              onOpenLetter={openLetter}
              onClearSearch={() => change({ q: undefined })}
              onReasons={setReasons}
            />
          ) : (
            <>
              {view.view === "group" ? (
                <DeadLetterGroupHeader
                  filter={filter}
                  onBack={() => go(groupsView({ ...view, source: undefined, reason: undefined }), "push")}
                  onOpenLetter={openLetter}
                />
              ) : null}
              <DeadLetterList
                label={view.view === "group" ? "Letters of this cause" : "Dead letters"}
                filter={filter}
                openId={openId}
                onOpen={openLetter}
                filtered={filtered || view.view === "group"}
                onClearSearch={() => change({ q: undefined })}
                onReasons={setReasons}
                replay={replay}
              />
            </>
          )}
        </TabPanel>
      </Card>
    </>
  );
}
