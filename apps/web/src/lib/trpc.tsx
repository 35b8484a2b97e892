"use client";
// The console's tRPC client and TanStack Query cache; every call goes to the API through the same-origin rewrite.
import type { AppRouter } from "@inlet/api/router";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { signOut } from "next-auth/react";
import { type ReactNode, useState } from "react";
import superjson from "superjson";
import { errorCode, httpStatusOf } from "./trpc-errors";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** How long a console call waits for the API before it shows an error. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Calls that legitimately take longer: a query runs up to its time limit (INLET_QUERY_TIMEOUT_MS) and
 * an analytics table is materialized within the request (up to 10 minutes); closing the request would
 * cancel them, so these wait longer.
 */
const LONG_CALLS = /queries\.run|analytics\.(create|update|refresh)/;
const LONG_REQUEST_TIMEOUT_MS = 11 * 60_000;

export function requestTimeoutFor(url: string): number {
  return LONG_CALLS.test(decodeURIComponent(url)) ? LONG_REQUEST_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
}

let signingOut = false;

// The next-auth cookie outlived what the API accepts (expired, user removed): clear it and start over.
function endSessionOnUnauthorized(error: unknown) {
  if (errorCode(error) !== "UNAUTHORIZED" || signingOut || typeof window === "undefined") return;
  signingOut = true;
  void signOut({ callbackUrl: "/signin?error=SessionExpired" });
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: endSessionOnUnauthorized }),
    mutationCache: new MutationCache({ onError: endSessionOnUnauthorized }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx answer will not change on retry (bad input, no access, signed out); only transient failures retry.
        retry: (failureCount, error) => {
          const status = httpStatusOf(error);
          if (status !== undefined && status >= 400 && status < 500) return false;
          return failureCount < 2;
        },
      },
      mutations: { retry: false },
    },
  });
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  // On the server every request gets its own cache so one user's data never reaches another's page.
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function TrpcProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: "/api/trpc",
          transformer: superjson,
          // An API that accepts the connection but never answers gets an error with Retry, not an
          // endless skeleton.
          fetch: (input, init) => {
            const timeout = AbortSignal.timeout(requestTimeoutFor(String(input)));
            const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
            return fetch(input, { ...init, signal });
          },
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
