// Server-side environment the console reads: where the API is and whether single sign-on is configured.
/** INLET_API_URL, else the API on this machine at INLET_API_PORT (an empty value counts as unset). */
export function apiUrl(): string {
  const given = process.env.INLET_API_URL || `http://127.0.0.1:${process.env.INLET_API_PORT || "4000"}`;
  return given.replace(/\/+$/, "");
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export function oidcSettings(): OidcSettings | undefined {
  const issuer = process.env.OIDC_ISSUER;
  const clientId = process.env.OIDC_CLIENT_ID;
  const clientSecret = process.env.OIDC_CLIENT_SECRET;
  if (!issuer || !clientId || !clientSecret) return undefined;
  return { issuer: issuer.replace(/\/+$/, ""), clientId, clientSecret };
}
