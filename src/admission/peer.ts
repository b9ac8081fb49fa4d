/**
 * Keys for per-source accounting: an IPv4 address, or an IPv6 address; an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a dual-stack socket reports
 * IPv4 peers) counts as the IPv4 address.
 *
 * @module
 */

/**
 * The accounting key of a peer address.
 *
 * @param addr The peer's address.
 * @returns The IP address as text, IPv4-mapped addresses unwrapped.
 *
 * @example Usage
 * ```ts
 * import { peerKey } from "./peer.ts";
 * const key = peerKey({ transport: "tcp", hostname: "::ffff:192.0.2.1", port: 5 });
 * if (key !== "192.0.2.1") throw new Error(key);
 * ```
 */
export function peerKey(addr: Deno.Addr): string {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return addr.transport;
  const host = addr.hostname;
  if (host.length > 7 && host.charCodeAt(0) === 58 && host.toLowerCase().startsWith("::ffff:")) {
    const rest = host.slice(7);
    if (rest.includes(".")) return rest;
  }
  return host;
}
