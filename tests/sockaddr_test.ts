/**
 * `struct sockaddr_in`/`sockaddr_in6` encoding and naming, table-driven:
 * the bytes are written by hand from the layouts in ip(7) and ipv6(7).
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  encodeSockaddr,
  SOCKADDR_BYTES,
  sockaddrHostname,
  sockaddrPort,
} from "../src/io/linux/sockaddr.ts";

function hex(bytes: Uint8Array, length: number): string {
  return [...bytes.subarray(0, length)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const CASES: { host: string; port: number; length: number; bytes: string; name: string }[] = [
  // family 2 (little-endian), port big-endian, address big-endian, 8 bytes of zero
  {
    host: "127.0.0.1",
    port: 123,
    length: 16,
    bytes: "0200007b7f0000010000000000000000",
    name: "127.0.0.1",
  },
  {
    host: "localhost",
    port: 1200,
    length: 16,
    bytes: "020004b07f0000010000000000000000",
    name: "127.0.0.1",
  },
  {
    host: "192.0.2.255",
    port: 65535,
    length: 16,
    bytes: "0200ffffc00002ff0000000000000000",
    name: "192.0.2.255",
  },
  // family 10, port, flowinfo 0, 16 address bytes, scope id 0
  {
    host: "::1",
    port: 10123,
    length: 28,
    bytes: "0a00278b" + "00000000" + "00000000000000000000000000000001" + "00000000",
    name: "::1",
  },
  {
    host: "",
    port: 0,
    length: 28,
    bytes: "0a000000" + "00000000" + "00000000000000000000000000000000" + "00000000",
    name: "::",
  },
  {
    host: "2001:db8::a:0:0:1",
    port: 37,
    length: 28,
    bytes: "0a000025" + "00000000" + "20010db800000000000a000000000001" + "00000000",
    name: "2001:db8::a:0:0:1",
  },
  {
    host: "::ffff:192.0.2.1",
    port: 13,
    length: 28,
    bytes: "0a00000d" + "00000000" + "00000000000000000000ffffc0000201" + "00000000",
    name: "::ffff:192.0.2.1",
  },
];

for (const c of CASES) {
  Deno.test(`encodeSockaddr/sockaddrHostname: ${JSON.stringify(c.host)} port ${c.port}`, () => {
    const out = new Uint8Array(SOCKADDR_BYTES).fill(0xee);
    const encoded = encodeSockaddr(c.host, c.port, out);
    deepStrictEqual(encoded, { family: c.length === 16 ? 2 : 10, length: c.length });
    strictEqual(hex(out, c.length), c.bytes);
    const view = new DataView(out.buffer);
    strictEqual(sockaddrHostname(view, 0), c.name);
    strictEqual(sockaddrPort(view, 0), c.port);
  });
}

Deno.test("encodeSockaddr: names are refused, not resolved", () => {
  for (const host of ["clock.example", "127.0.0.256", "[::1]", "fe80::1%eth0"]) {
    strictEqual(encodeSockaddr(host, 1, new Uint8Array(SOCKADDR_BYTES)), null, host);
  }
});

Deno.test("sockaddrHostname reads at an offset", () => {
  const out = new Uint8Array(64);
  encodeSockaddr("198.51.100.7", 9, out.subarray(32));
  const view = new DataView(out.buffer);
  strictEqual(sockaddrHostname(view, 32), "198.51.100.7");
  strictEqual(sockaddrPort(view, 32), 9);
});
