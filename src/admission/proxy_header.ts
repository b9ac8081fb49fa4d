/**
 * The PROXY protocol header a load balancer (haproxy `send-proxy` /
 * `send-proxy-v2`, nginx `proxy_protocol on`) puts before a connection's
 * bytes to name the client it relays, as haproxy's `proxy-protocol.txt`
 * defines it: version 1, one text line (`PROXY TCP4 192.0.2.7 198.51.100.1
 * 56324 1200\r\n`), and version 2, binary (see `_proxy_v2.ts`).
 *
 * A pure parser of the bytes read so far: it says whether more are needed,
 * whether they can never be a valid header, or what the header says and how
 * long it is. Bounded: a version 1 line is at most 107 bytes, a version 2
 * header at most {@linkcode PROXY_HEADER_MAX_BYTES}, so a reader never needs
 * more than that many bytes to decide.
 *
 * @module
 */

import { parseProxyV2, PROXY_V2_FIXED_BYTES, PROXY_V2_MAX_BODY_BYTES } from "./_proxy_v2.ts";
import { formatIpv4, formatPeerIpv6, parseIpInto } from "./ip.ts";

export { PROXY_V2_SIGNATURE } from "./_proxy_v2.ts";

/** The longest version 1 line, CRLF included (`PROXY UNKNOWN` with two full IPv6 addresses). */
export const PROXY_V1_MAX_BYTES = 107;
/** The longest version 2 header clockd accepts: 16 fixed bytes and 520 of addresses and TLVs. */
export const PROXY_V2_MAX_BYTES = PROXY_V2_FIXED_BYTES + PROXY_V2_MAX_BODY_BYTES;
/** The most bytes {@linkcode parseProxyHeader} ever needs to decide. */
export const PROXY_HEADER_MAX_BYTES = Math.max(PROXY_V1_MAX_BYTES, PROXY_V2_MAX_BYTES);

/**
 * What the bytes read so far are:
 * - `incomplete`: a valid header may still follow, read more;
 * - `invalid`: no header can start so (`reason` says why); close the connection;
 * - `local`: a valid header asking to keep the connection's own peer (a
 *   version 2 LOCAL command, a balancer's health check; `PROXY UNKNOWN`; an
 *   UNSPEC or UNIX family);
 * - `proxied`: a valid header naming the client, `source`.
 *
 * In the last two, `length` is the header's size: the service's bytes start there.
 */
export type ProxyHeader =
  | { readonly status: "incomplete" }
  | { readonly status: "invalid"; readonly reason: string }
  | { readonly status: "local"; readonly version: 1 | 2; readonly length: number }
  | {
    readonly status: "proxied";
    readonly version: 1 | 2;
    readonly length: number;
    /** The client's address and port, as clockd formats peers. */
    readonly source: Deno.NetAddr;
  };

const V1_PREFIX = "PROXY ";
const CR = 0x0d;
const LF = 0x0a;
const INCOMPLETE: ProxyHeader = { status: "incomplete" };
const latin1 = new TextDecoder("latin1");

/**
 * Parses a PROXY protocol header, version 1 or 2, from the first bytes of a
 * connection.
 *
 * @param bytes The bytes read so far (from the connection's first byte).
 * @returns Whether more bytes are needed, the header is invalid, or what it says.
 *
 * @example Version 1
 * ```ts
 * import { parseProxyHeader } from "./proxy_header.ts";
 * const line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n";
 * const header = parseProxyHeader(new TextEncoder().encode(line));
 * if (header.status !== "proxied" || header.source.hostname !== "192.168.0.1") throw new Error();
 * if (header.source.port !== 56324 || header.length !== 47) throw new Error();
 * ```
 *
 * @example Too few bytes yet, and bytes that are no header
 * ```ts
 * import { parseProxyHeader } from "./proxy_header.ts";
 * if (parseProxyHeader(new TextEncoder().encode("PROX")).status !== "incomplete") throw new Error();
 * if (parseProxyHeader(new TextEncoder().encode("status\n")).status !== "invalid") throw new Error();
 * ```
 */
export function parseProxyHeader(bytes: Uint8Array): ProxyHeader {
  if (bytes.length === 0) return INCOMPLETE;
  if (bytes[0] === CR) return parseProxyV2(bytes);
  return parseProxyV1(bytes);
}

/** Parses a version 1 line: `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n` or `PROXY UNKNOWN...\r\n`. */
function parseProxyV1(bytes: Uint8Array): ProxyHeader {
  const known = Math.min(bytes.length, V1_PREFIX.length);
  for (let i = 0; i < known; i++) {
    if (bytes[i] !== V1_PREFIX.charCodeAt(i)) return invalid("not a PROXY header");
  }
  const scan = Math.min(bytes.length, PROXY_V1_MAX_BYTES);
  let end = -1;
  for (let i = 0; i < scan; i++) {
    if (bytes[i] !== LF) continue;
    if (i === 0 || bytes[i - 1] !== CR) return invalid("a line ending in LF without CR");
    end = i + 1;
    break;
  }
  if (end < 0) {
    return bytes.length >= PROXY_V1_MAX_BYTES
      ? invalid(`no CRLF in the first ${PROXY_V1_MAX_BYTES} bytes`)
      : INCOMPLETE;
  }
  const line = latin1.decode(bytes.subarray(0, end - 2));
  const fields = line.split(" ");
  const length = end;
  if (fields[1] === "UNKNOWN") return { status: "local", version: 1, length };
  if (fields[1] !== "TCP4" && fields[1] !== "TCP6") {
    return invalid(`unknown protocol "${fields[1] ?? ""}"`);
  }
  if (fields.length !== 6) return invalid(`expected 6 fields, got ${fields.length}`);
  const family = fields[1] === "TCP4" ? 4 : 6;
  const hostname = address(fields[2], family);
  const port = decimalPort(fields[4]);
  if (hostname === null || address(fields[3], family) === null) {
    return invalid(`an address that is not ${fields[1]}`);
  }
  if (port < 0 || decimalPort(fields[5]) < 0) return invalid("a port that is not 0 to 65535");
  return { status: "proxied", version: 1, length, source: { transport: "tcp", hostname, port } };
}

/** Where {@linkcode address} parses. */
const words = new Int32Array(4);

/** An address of the given family as clockd formats peers, or null. */
function address(text: string, family: 4 | 6): string | null {
  if (parseIpInto(text, words, false) !== family) return null;
  return family === 4 ? formatIpv4(words[0]) : formatPeerIpv6(words);
}

/** A port written in decimal without leading zeros, or -1. */
function decimalPort(text: string): number {
  if (!/^(?:0|[1-9][0-9]{0,4})$/.test(text)) return -1;
  const port = Number(text);
  return port <= 65535 ? port : -1;
}

function invalid(reason: string): ProxyHeader {
  return { status: "invalid", reason };
}
