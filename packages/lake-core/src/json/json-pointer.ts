// JSON pointers (RFC 6901), the paths dead letters use to name the part of an event at fault.

/** One key as a pointer token: "~" becomes "~0" and "/" becomes "~1". */
export function escapePointerToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}
