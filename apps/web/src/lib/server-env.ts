// Server-side environment the console reads: where the API is and whether single sign-on is configured.
export function apiUrl(): string {
  return (process.env.INLET_API_URL ?? "http://127.0.0.1:4000").replace(/\/+$/, "");
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
