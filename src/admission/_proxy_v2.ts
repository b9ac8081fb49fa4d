/**
 * The binary PROXY protocol header (version 2) of haproxy's
 * `proxy-protocol.txt`, section 2.2: a 12-byte signature, the version and
 * command, the family and transport, a 16-bit length, then that many bytes
 * of addresses and TLVs (skipped).
 *
 * ```text
 * struct proxy_hdr_v2 {
 *     uint8_t sig[12];  // 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A
 *     uint8_t ver_cmd;  // 0x2_: version 2; 0x_0 LOCAL, 0x_1 PROXY
 *     uint8_t fam;      // 0x1_ INET, 0x2_ INET6 (0x0_ UNSPEC, 0x3_ UNIX); 0x_1 STREAM, 0x_2 DGRAM
 *     uint16_t len;     // bytes after these 16, big-endian
 * };
 * // then, for INET: src[4] dst[4] sport dport; INET6: src[16] dst[16] sport dport; then TLVs
 * ```
 *
 * @module
 */

import { formatIpv4, formatPeerIpv6 } from "./ip.ts";
import type { ProxyHeader } from "./proxy_header.ts";

/** The 12 bytes every version 2 header starts with. */
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** The fixed part of a version 2 header: the signature, version and command, family, length. */
export const PROXY_V2_FIXED_BYTES = 16;
/**
 * The most bytes after the fixed part clockd reads (addresses and TLVs):
 * the whole header then fits the 536-byte minimum segment the spec sizes it
 * for. A longer header is refused rather than read.
 */
export const PROXY_V2_MAX_BODY_BYTES = 520;

const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
const FAMILY_INET = 0x1;
const FAMILY_INET6 = 0x2;
const FAMILY_UNIX = 0x3;
const TRANSPORT_STREAM = 0x1;
const TRANSPORT_DGRAM = 0x2;
/** Address bytes of INET and INET6 (two addresses, two ports). */
const INET_BODY_BYTES = 12;
const INET6_BODY_BYTES = 36;

const INCOMPLETE: ProxyHeader = { status: "incomplete" };

/**
 * Parses a version 2 header from the bytes read so far, which start with
 * (a prefix of) {@linkcode PROXY_V2_SIGNATURE}.
 *
 * @param bytes The connection's first bytes.
 * @returns The verdict, as {@linkcode parseProxyHeader} gives it.
 *
 * @example Usage
 * ```ts
 * import { parseProxyV2, PROXY_V2_SIGNATURE } from "./_proxy_v2.ts";
 * const local = Uint8Array.of(...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0);
 * if (parseProxyV2(local).status !== "local") throw new Error();
 * ```
 */
export function parseProxyV2(bytes: Uint8Array): ProxyHeader {
  const known = Math.min(bytes.length, PROXY_V2_SIGNATURE.length);
  for (let i = 0; i < known; i++) {
    if (bytes[i] !== PROXY_V2_SIGNATURE[i]) return invalid("not a PROXY header");
  }
  if (bytes.length < PROXY_V2_FIXED_BYTES) return INCOMPLETE;
  const version = bytes[12] >> 4;
  const command = bytes[12] & 0x0f;
  if (version !== 2) return invalid(`version ${version}, expected 2`);
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) {
    return invalid(`unknown command ${command}`);
  }
  const family = bytes[13] >> 4;
  const transport = bytes[13] & 0x0f;
  if (family > FAMILY_UNIX || transport > TRANSPORT_DGRAM) {
    return invalid(`unknown family and transport 0x${bytes[13].toString(16).padStart(2, "0")}`);
  }
  const bodyLength = (bytes[14] << 8) | bytes[15];
  if (bodyLength > PROXY_V2_MAX_BODY_BYTES) {
    return invalid(`${bodyLength} bytes of addresses, at most ${PROXY_V2_MAX_BODY_BYTES}`);
  }
  const length = PROXY_V2_FIXED_BYTES + bodyLength;
  if (bytes.length < length) return INCOMPLETE;
  const inet = transport === TRANSPORT_STREAM || transport === TRANSPORT_DGRAM;
  // LOCAL (a balancer's health check), UNSPEC and UNIX: the connection's own peer stands.
  if (command === COMMAND_LOCAL || !inet || (family !== FAMILY_INET && family !== FAMILY_INET6)) {
    return { status: "local", version: 2, length };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + PROXY_V2_FIXED_BYTES, bodyLength);
  if (family === FAMILY_INET) {
    if (bodyLength < INET_BODY_BYTES) return invalid(`${bodyLength} bytes for IPv4 addresses`);
    const hostname = formatIpv4(view.getUint32(0));
    return { status: "proxied", version: 2, length, source: source(hostname, view.getUint16(8)) };
  }
  if (bodyLength < INET6_BODY_BYTES) return invalid(`${bodyLength} bytes for IPv6 addresses`);
  const words = [0, 4, 8, 12].map((at) => view.getUint32(at));
  return {
    status: "proxied",
    version: 2,
    length,
    source: source(formatPeerIpv6(words), view.getUint16(32)),
  };
}

function source(hostname: string, port: number): Deno.NetAddr {
  return { transport: "tcp", hostname, port };
}

function invalid(reason: string): ProxyHeader {
  return { status: "invalid", reason };
}
