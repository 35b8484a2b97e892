// Calls the API's login endpoints for next-auth and turns their answers into a console user or a readable error.
import { createHmac } from "node:crypto";
import { ROLES } from "@inlet/db/roles";
import { z } from "zod";
import { apiUrl } from "./server-env";
import { INCORRECT_CREDENTIALS, rateLimitedMessage, SIGN_IN_UNAVAILABLE } from "./sign-in-errors";

const apiUserSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string().nullish(),
  roles: z.array(z.enum(ROLES)),
});

export type ApiUser = {
  id: string;
  email: string;
  name: string;
  roles: z.infer<typeof apiUserSchema>["roles"];
};

const rateLimitedSchema = z.object({
  error: z.object({ code: z.literal("RATE_LIMITED"), retryAfterSeconds: z.number().nonnegative() }),
});

/** Thrown for answers the user can act on; its message is shown on the sign-in page as is. */
export class SignInError extends Error {
  override name = "SignInError";
}

/** Proves to the API that this call comes from the console's server (HMAC under the shared NEXTAUTH_SECRET). */
function internalToken(): string {
  return createHmac("sha256", process.env.NEXTAUTH_SECRET ?? "")
    .update("inlet-internal-oidc")
    .digest("hex");
}

async function postJson(path: string, body: unknown, forwardedFor?: string): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    authorization: `Bearer ${internalToken()}`,
  };
  // The API throttles failed sign-ins per client address; without this every browser would look like this server.
  if (forwardedFor) headers["x-forwarded-for"] = forwardedFor;
  try {
    return await fetch(`${apiUrl()}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new SignInError(SIGN_IN_UNAVAILABLE);
  }
}

async function readUser(response: Response): Promise<ApiUser> {
  const parsed = apiUserSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new SignInError(SIGN_IN_UNAVAILABLE);
  const { id, email, name, roles } = parsed.data;
  return { id, email, name: name || email, roles };
}

async function failure(response: Response): Promise<SignInError> {
  if (response.status === 401 || response.status === 400) return new SignInError(INCORRECT_CREDENTIALS);
  if (response.status === 429) {
    const parsed = rateLimitedSchema.safeParse(await response.json().catch(() => undefined));
    const header = Number(response.headers.get("retry-after"));
    const seconds = parsed.success
      ? parsed.data.error.retryAfterSeconds
      : Number.isFinite(header) && header > 0
        ? header
        : 60;
    return new SignInError(rateLimitedMessage(seconds));
  }
  return new SignInError(SIGN_IN_UNAVAILABLE);
}

export async function loginWithPassword(
  email: string,
  password: string,
  forwardedFor?: string,
): Promise<ApiUser> {
  const response = await postJson("/auth/login", { email, password }, forwardedFor);
  if (!response.ok) throw await failure(response);
  return readUser(response);
}

/** Resolves an identity-provider user to an Inlet user; the API owns which roles that person holds. */
export async function resolveOidcUser(identity: {
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
}): Promise<ApiUser> {
  const response = await postJson("/auth/oidc", identity);
  if (!response.ok) throw await failure(response);
  return readUser(response);
}

/**
 * Tells the API a session was signed out, so that every token of it (copies, refreshed ones) is
 * refused from now on. Returns false when the API could not be told.
 */
export async function endSessionAtApi(
  token: { sid?: unknown; jti?: unknown; sub?: unknown; sat?: unknown; exp?: unknown },
  maxAgeSeconds: number,
): Promise<boolean> {
  const sessionId = typeof token.sid === "string" ? token.sid : token.jti;
  if (typeof sessionId !== "string" || typeof token.sub !== "string") return false;
  // The session cannot outlive its sign-in by more than the maximum age, however it is refreshed.
  const expiresAt =
    typeof token.sat === "number"
      ? token.sat + maxAgeSeconds
      : typeof token.exp === "number"
        ? token.exp
        : Math.floor(Date.now() / 1000) + maxAgeSeconds;
  try {
    const response = await postJson("/auth/logout", {
      sessionId,
      userId: token.sub,
      expiresAt: Math.ceil(expiresAt),
    });
    return response.ok;
  } catch {
    return false;
  }
}
