// next-auth options for the console: password sign-in (and optional OIDC) against the API, JWT sessions with roles.
import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { loginWithPassword, resolveOidcUser } from "./api-login";
import { oidcSettings } from "./server-env";

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

export const OIDC_PROVIDER_ID = "oidc";

function oidcProvider(): OAuthConfig<OidcProfile> | undefined {
  const settings = oidcSettings();
  if (!settings) return undefined;
  return {
    id: OIDC_PROVIDER_ID,
    name: "SSO",
    type: "oauth",
    wellKnown: `${settings.issuer}/.well-known/openid-configuration`,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    // Roles are not taken from the identity provider: the API maps the person to an Inlet user and its roles.
    async profile(profile) {
      const email = profile.email ?? "";
      return resolveOidcUser({
        // Subjects are unique per issuer only.
        subject: `${settings.issuer}|${profile.sub}`,
        email,
        emailVerified: profile.email_verified === true,
        name: profile.name ?? profile.preferred_username ?? email,
      });
    },
  };
}

export function isOidcConfigured(): boolean {
  return oidcSettings() !== undefined;
}

// Next puts the browser's address in x-forwarded-for; passing it on lets the API throttle per person, not per console.
function forwardedFor(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.["x-forwarded-for"];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" && first.length > 0 ? first : undefined;
}

function providers(): NextAuthOptions["providers"] {
  const credentials = CredentialsProvider({
    id: "credentials",
    name: "Email and password",
    credentials: {
      email: { label: "Email", type: "email" },
      password: { label: "Password", type: "password" },
    },
    // A thrown Error's message reaches the sign-in page as `error`, which is how 401 and 429 become readable.
    async authorize(input, request) {
      const email = input?.email?.trim() ?? "";
      const password = input?.password ?? "";
      return loginWithPassword(email, password, forwardedFor(request.headers));
    },
  });
  const oidc = oidcProvider();
  return oidc ? [credentials, oidc] : [credentials];
}

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/signin", error: "/signin" },
  providers: providers(),
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sid = randomUUID();
        token.sat = Math.floor(Date.now() / 1000);
        token.sub = user.id;
        token.id = user.id;
        token.email = user.email;
        token.name = user.name;
        token.roles = user.roles;
      }
      return token;
    },
    session({ session, token }) {
      session.user = { id: token.id, email: token.email, name: token.name, roles: token.roles ?? [] };
      return session;
    },
  },
  // No signOut event: the console's Sign out ends the session at the API through /api/session/end
  // before next-auth clears the cookie (so that a failure can be shown); ending it here as well
  // would end it, and audit it, twice.
};
