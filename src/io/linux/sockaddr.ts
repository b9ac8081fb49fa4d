/**
 * `struct sockaddr_in` and `struct sockaddr_in6` as bytes, for the sockets
 * clockd opens through libc: encoding a numeric address to bind, and naming
 * the peer an `accept4` or `recvmmsg` wrote, in the text Deno itself gives
 * (`192.0.2.1`, `2001:db8::1`, and `::ffff:192.0.2.1` for an IPv4 client of
 * a dual-stack socket).
 *
 * @module
 */

import { AF_INET, AF_INET6 } from "./constants.ts";
import { formatIpv4, formatPeerIpv6, parseIpInto } from "../../admission/ip.ts";

/** The size of `struct sockaddr_in6`, the larger of the two. */
export const SOCKADDR_BYTES = 28;

/**
 * Writes the address to bind: a numeric IPv4 or IPv6 address, `""` for
 * every interface (`::`, dual-stack) or `localhost` (127.0.0.1).
 *
 * @param hostname The address.
 * @param port The port.
 * @param out At least {@linkcode SOCKADDR_BYTES} bytes.
 * @returns The family (`AF_INET` or `AF_INET6`) and the length to pass to `bind`, or null when the hostname is not numeric.
 *
 * @example Usage
 * ```ts
 * import { encodeSockaddr, SOCKADDR_BYTES } from "./sockaddr.ts";
 * const out = new Uint8Array(SOCKADDR_BYTES);
 * const encoded = encodeSockaddr("127.0.0.1", 123, out);
 * if (encoded?.length !== 16 || out[3] !== 123 || out[4] !== 127) throw new Error("sockaddr_in");
 * ```
 */
export function encodeSockaddr(
  hostname: string,
  port: number,
  out: Uint8Array,
): { family: number; length: number } | null {
  const words = new Int32Array(4);
  const host = hostname === "" ? "::" : hostname === "localhost" ? "127.0.0.1" : hostname;
  const version = parseIpInto(host, words, false);
  if (version === 0) return null;
  const view = new DataView(out.buffer, out.byteOffset, SOCKADDR_BYTES);
  out.fill(0, 0, SOCKADDR_BYTES);
  view.setUint16(2, port);
  if (version === 4) {
    view.setUint16(0, AF_INET, true);
    view.setUint32(4, words[0] >>> 0);
    return { family: AF_INET, length: 16 };
  }
  view.setUint16(0, AF_INET6, true);
  for (let i = 0; i < 4; i++) view.setUint32(8 + i * 4, words[i] >>> 0);
  return { family: AF_INET6, length: SOCKADDR_BYTES };
}

const words = new Uint32Array(4);

/**
 * The address of a `sockaddr_in` or `sockaddr_in6` as text.
 *
 * @param view The bytes.
 * @param at Where the structure starts.
 * @returns The address, as Deno writes a `NetAddr`'s hostname.
 *
 * @example Usage
 * ```ts
 * import { encodeSockaddr, sockaddrHostname, SOCKADDR_BYTES } from "./sockaddr.ts";
 * const out = new Uint8Array(SOCKADDR_BYTES);
 * encodeSockaddr("::ffff:192.0.2.1", 0, out);
 * if (sockaddrHostname(new DataView(out.buffer), 0) !== "::ffff:192.0.2.1") throw new Error();
 * ```
 */
export function sockaddrHostname(view: DataView, at: number): string {
  if (view.getUint16(at, true) === AF_INET) return formatIpv4(view.getUint32(at + 4));
  for (let i = 0; i < 4; i++) words[i] = view.getUint32(at + 8 + i * 4);
  return formatPeerIpv6(words);
}

/**
 * The port of a `sockaddr_in` or `sockaddr_in6`.
 *
 * @param view The bytes.
 * @param at Where the structure starts.
 * @returns The port.
 */
export function sockaddrPort(view: DataView, at: number): number {
  return view.getUint16(at + 2);
}
