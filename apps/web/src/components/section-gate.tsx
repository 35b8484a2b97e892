"use client";
// Renders a section only for people whose roles include it; everyone else gets a plain "no access" page.
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { AccessDenied } from "@/components/access-denied";
import { Card } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { orderedSections, SECTION_INFO, type Section } from "@/lib/sections";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";

/**
 * `landing` marks the page people arrive on after signing in: without access to it they are taken to their first
 * allowed section instead of being greeted by a refusal.
 */
export function SectionGate({
  section,
  landing = false,
  children,
}: {
  section: Section;
  landing?: boolean;
  children: ReactNode;
}) {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const router = useRouter();
  const label = SECTION_INFO[section].label;
  const allowed = me.data?.sections;
  const firstAllowed = allowed ? orderedSections(allowed)[0] : undefined;
  const redirectTo = landing && allowed && !allowed.includes(section) ? firstAllowed?.href : undefined;

  useEffect(() => {
    if (redirectTo) router.replace(redirectTo);
  }, [redirectTo, router]);

  if (me.isPending || redirectTo) {
    return (
      <div role="status" aria-busy="true" aria-label={`Loading ${label}`}>
        <Skeleton className="h-6 w-40" />
        <Skeleton className="mt-2 h-4 w-72" />
        <Skeleton className="mt-8 h-64 w-full" />
      </div>
    );
  }
  if (me.isError) {
    return (
      <Card>
        <ErrorState
          title="Couldn't load your account"
          message={describeError(me.error)}
          onRetry={() => void me.refetch()}
          retrying={me.isFetching}
        />
      </Card>
    );
  }
  if (!me.data.sections.includes(section)) return <AccessDenied sectionLabel={label} />;
  return children;
}
