// Refuses cross-site requests that would act with a browser's session cookie. The console's browser
// calls reach the API through its same-origin /api/trpc rewrite carrying the next-auth cookie, so a
// page on another site must not be able to make a browser POST here with that cookie attached.
// Requests with a Bearer token (the console's server, scripts, producers) are not cookie-authenticated
// and are not judged here: a browser cannot attach one cross-site without a CORS preflight, which
// the API never grants.
import type { FastifyInstance } from "fastify";
import { sessionTokenFrom } from "./session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface RequestHeaders {
  authorization?: string | undefined;
  cookie?: string | undefined;
  origin?: string | undefined;
  host?: string | undefined;
  "x-forwarded-host"?: string | string[] | undefined;
  "sec-fetch-site"?: string | string[] | undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(",")[0]?.trim() || undefined;
}

/**
 * Why a request is refused as cross-site, or undefined. A browser's Sec-Fetch-Site says where the
 * request came from; browsers that do not send it are judged by Origin against the host asked for
 * (X-Forwarded-Host first: the console's rewrite names its own host there).
 */
export function crossSiteRefusal(method: string, headers: RequestHeaders): string | undefined {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined;
  if (headers.authorization?.startsWith("Bearer ")) return undefined;
  if (sessionTokenFrom({ cookie: headers.cookie }) === undefined) return undefined;
  const fetchSite = first(headers["sec-fetch-site"]);
  if (fetchSite !== undefined) {
    return fetchSite === "same-origin" || fetchSite === "none"
      ? undefined
      : `A ${fetchSite} request may not act with the console's session; use the console itself`;
  }
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string | undefined;
  try {
    originHost = origin === "null" ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  const host = first(headers["x-forwarded-host"]) ?? headers.host;
  if (originHost !== undefined && host !== undefined && originHost.toLowerCase() === host.toLowerCase()) {
    return undefined;
  }
  return `A request from ${origin} may not act with the console's session; use the console itself`;
}

/** Answers 403 CROSS_SITE_REQUEST, before any route runs, to a cookie-authenticated cross-site change. */
export function registerCrossSiteGuard(app: FastifyInstance): void {
  app.addHook("onRequest", async (req, reply) => {
    const refused = crossSiteRefusal(req.method, req.headers);
    if (refused === undefined) return;
    req.log.warn({ origin: req.headers.origin, url: req.url }, "cross-site request refused");
    return reply
      .status(403)
      .send({ error: { code: "CROSS_SITE_REQUEST", message: refused, requestId: req.id } });
  });
}
