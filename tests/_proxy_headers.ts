/**
 * PROXY protocol version 2 headers the tests send.
 *
 * @module
 */

import { PROXY_V2_SIGNATURE } from "../src/admission/proxy_header.ts";

/**
 * A version 2 `PROXY` header over TCP6 naming client 2001:db8::7 port 40000
 * and destination ::1 at `destinationPort`.
 *
 * @param destinationPort The destination port written in the header.
 * @returns The 52-byte header.
 *
 * @example Usage
 * ```ts
 * import { proxyV2Tcp6 } from "./_proxy_headers.ts";
 * if (proxyV2Tcp6(1200).length !== 52) throw new Error();
 * ```
 */
export function proxyV2Tcp6(destinationPort: number): Uint8Array {
  const source = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7];
  const destination = [...new Array(15).fill(0), 1];
  return Uint8Array.of(
    ...PROXY_V2_SIGNATURE,
    0x21, // version 2, PROXY
    0x21, // TCP over IPv6
    0,
    36,
    ...source,
    ...destination,
    0x9c, // 40000
    0x40,
    destinationPort >> 8,
    destinationPort & 0xff,
  );
}
