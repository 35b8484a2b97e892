// Where this process's own HTTP server answers, for requests it makes to itself (a test event goes in
// through the ingest API exactly as a producer's would).
import type { AddressInfo } from "node:net";

/** The server's base URL on loopback, or undefined while it is not listening on a TCP port. */
export function listeningUrl(server: { address(): AddressInfo | string | null }): string | undefined {
  const address = server.address();
  if (address === null || typeof address === "string") return undefined;
  // A wildcard address is reached on loopback (IPv4 works for "::" too, which accepts both).
  const host = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}
