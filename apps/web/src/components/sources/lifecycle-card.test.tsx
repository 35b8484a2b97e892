import type { AppRouter } from "@inlet/api/router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { renderToStaticMarkup } from "react-dom/server";
import superjson from "superjson";
import { describe, expect, it, vi } from "vitest";
import { TRPCProvider } from "@/lib/trpc";
import { LifecycleCard } from "./lifecycle-card";

vi.mock("next/navigation", () => ({ useRouter: () => ({ push: () => undefined }) }));

function markup(canManage: boolean): string {
  const queryClient = new QueryClient();
  const trpcClient = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: "http://127.0.0.1:1/trpc", transformer: superjson })],
  });
  return renderToStaticMarkup(
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <LifecycleCard
          canManage={canManage}
          source={{
            slug: "orders",
            partitionProperty: null,
            retentionDays: 365,
            rawRetentionDays: 30,
            rawArchiveDays: null,
            dedupeWindowHours: 24,
          }}
        />
      </TRPCProvider>
    </QueryClientProvider>,
  );
}

describe("LifecycleCard", () => {
  it("shows the source's dedupe window in hours, from 1 hour to 90 days", () => {
    const html = markup(true);
    expect(html).toContain("Dedupe window");
    expect(html).toMatch(/<input[^>]*max="2160"[^>]*value="24"/);
    expect(html).toContain(">hours<");
    expect(html).toContain("Within the dedupe window a resent event lands once; after it, at least once.");
  });

  it("shows the window read-only to those who cannot change it", () => {
    const input = /<input[^>]*max="2160"[^>]*>/.exec(markup(false))?.[0];
    expect(input).toContain('value="24"');
    expect(input).toContain("disabled");
  });
});
