// Refuses a cross-site request that would act with the browser's session: the console's POST
// endpoints (its /api/trpc rewrite, the CSV download form, ending a session) read the next-auth
// cookie, which a browser attaches to a form another site submits here. next-auth's own endpoints
// check their CSRF token themselves; the API applies the same rule to what the rewrite forwards.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function first(value: string | null): string | undefined {
  return value?.split(",")[0]?.trim() || undefined;
}

/**
 * Why a request is refused as cross-site, or undefined. A browser's Sec-Fetch-Site says where the
 * request came from; browsers that do not send it are judged by Origin against the host asked for
 * (X-Forwarded-Host first, for a console behind a proxy). A request with neither is not a browser's.
 */
export function crossSiteRefusal(method: string, headers: Headers): string | undefined {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined;
  const fetchSite = first(headers.get("sec-fetch-site"));
  if (fetchSite !== undefined) {
    return fetchSite === "same-origin" || fetchSite === "none"
      ? undefined
      : `A ${fetchSite} request may not act with your session; use the console itself`;
  }
  const origin = headers.get("origin");
  if (origin === null) return undefined;
  let originHost: string | undefined;
  try {
    originHost = origin === "null" ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  const host = first(headers.get("x-forwarded-host")) ?? first(headers.get("host"));
  if (originHost !== undefined && host !== undefined && originHost.toLowerCase() === host.toLowerCase()) {
    return undefined;
  }
  return `A request from ${origin} may not act with your session; use the console itself`;
}

/** The 403 a refused request gets, or undefined when it may go on. */
export function refuseCrossSite(req: Request): Response | undefined {
  const refused = crossSiteRefusal(req.method, req.headers);
  return refused === undefined
    ? undefined
    : Response.json({ error: { code: "CROSS_SITE_REQUEST", message: refused } }, { status: 403 });
}
