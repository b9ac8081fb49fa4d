/**
 * The PROXY protocol parser against haproxy's proxy-protocol.txt: its
 * examples, both versions, and every way a header can be short, long or wrong.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  parseProxyHeader,
  PROXY_HEADER_MAX_BYTES,
  PROXY_V1_MAX_BYTES,
  PROXY_V2_MAX_BYTES,
  PROXY_V2_SIGNATURE,
  type ProxyHeader,
} from "../src/admission/proxy_header.ts";

const encoder = new TextEncoder();
const text = (line: string) => encoder.encode(line);

/** A version 2 header: version/command byte, family byte, body. */
function v2(verCmd: number, family: number, body: number[] | Uint8Array): Uint8Array {
  return Uint8Array.of(
    ...PROXY_V2_SIGNATURE,
    verCmd,
    family,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  );
}

/** The IPv4 body: 192.0.2.7:56324 → 198.51.100.1:1200. */
const INET_BODY = [192, 0, 2, 7, 198, 51, 100, 1, 0xdc, 0x04, 0x04, 0xb0];
/** The IPv6 body: 2001:db8::7 port 40000 → 2001:db8::1 port 123. */
const INET6_BODY = [
  0x20,
  0x01,
  0x0d,
  0xb8,
  ...new Array(11).fill(0),
  7,
  0x20,
  0x01,
  0x0d,
  0xb8,
  ...new Array(11).fill(0),
  1,
  0x9c,
  0x40,
  0x00,
  0x7b,
];
/** TLVs after the addresses: an AUTHORITY ("time.example") and a NOOP of 3 bytes. */
const TLVS = [0x02, 0, 12, ...text("time.example"), 0x04, 0, 3, 0, 0, 0];

const proxied = (version: 1 | 2, length: number, hostname: string, port: number): ProxyHeader => ({
  status: "proxied",
  version,
  length,
  source: { transport: "tcp", hostname, port },
});

const VALID: [string, Uint8Array, ProxyHeader][] = [
  [
    "v1 TCP4, the spec's example",
    text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
    proxied(1, 47, "192.168.0.1", 56324),
  ],
  [
    "v1 TCP6, written in capitals and uncompressed",
    text("PROXY TCP6 2001:DB8:0:0:0:0:0:7 2001:db8::1 40000 123\r\n"),
    proxied(1, 55, "2001:db8::7", 40000),
  ],
  [
    "v1 TCP6 with an IPv4-mapped source, as a dual-stack peer is reported",
    text("PROXY TCP6 ::ffff:192.0.2.7 ::1 0 65535\r\n"),
    proxied(1, 41, "::ffff:192.0.2.7", 0),
  ],
  ["v1 UNKNOWN, short form", text("PROXY UNKNOWN\r\n"), {
    status: "local",
    version: 1,
    length: 15,
  }],
  [
    "v1 UNKNOWN with addresses, ignored",
    text("PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\n"),
    { status: "local", version: 1, length: 43 },
  ],
  ["v2 PROXY TCP4", v2(0x21, 0x11, INET_BODY), proxied(2, 28, "192.0.2.7", 56324)],
  ["v2 PROXY TCP6", v2(0x21, 0x21, INET6_BODY), proxied(2, 52, "2001:db8::7", 40000)],
  [
    "v2 PROXY TCP4 with TLVs passed over",
    v2(0x21, 0x11, [...INET_BODY, ...TLVS]),
    proxied(2, 28 + TLVS.length, "192.0.2.7", 56324),
  ],
  [
    "v2 PROXY UDP4 (the source still counts)",
    v2(0x21, 0x12, INET_BODY),
    proxied(2, 28, "192.0.2.7", 56324),
  ],
  ["v2 LOCAL, no addresses", v2(0x20, 0x00, []), { status: "local", version: 2, length: 16 }],
  [
    "v2 LOCAL with TCP4 addresses, ignored",
    v2(0x20, 0x11, INET_BODY),
    { status: "local", version: 2, length: 28 },
  ],
  [
    "v2 PROXY UNSPEC keeps the connection's peer",
    v2(0x21, 0x00, []),
    { status: "local", version: 2, length: 16 },
  ],
  [
    "v2 PROXY UNIX stream keeps the connection's peer",
    v2(0x21, 0x31, new Array(216).fill(0)),
    { status: "local", version: 2, length: 232 },
  ],
  [
    "v2 at the size limit",
    v2(0x21, 0x11, [...INET_BODY, 0x04, 0x01, 0xf9, ...new Array(505).fill(0)]),
    proxied(2, PROXY_V2_MAX_BYTES, "192.0.2.7", 56324),
  ],
];

for (const [name, bytes, expected] of VALID) {
  Deno.test(`parseProxyHeader() reads ${name}`, () => {
    deepStrictEqual(parseProxyHeader(bytes), expected);
  });
}

Deno.test("parseProxyHeader() stops at the header: the bytes after it are the service's", () => {
  const header = text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  const request = text("GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n");
  const both = new Uint8Array([...header, ...request]);
  deepStrictEqual(parseProxyHeader(both), proxied(1, header.length, "192.168.0.1", 56324));
  const binary = v2(0x21, 0x11, INET_BODY);
  deepStrictEqual(
    parseProxyHeader(new Uint8Array([...binary, ...text("status\n")])),
    proxied(2, binary.length, "192.0.2.7", 56324),
  );
});

Deno.test("parseProxyHeader() asks for more bytes at every cut of a valid header", () => {
  const headers = [
    text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
    text("PROXY UNKNOWN\r\n"),
    v2(0x21, 0x21, [...INET6_BODY, ...TLVS]),
    v2(0x20, 0x00, []),
  ];
  for (const header of headers) {
    for (let cut = 0; cut < header.length; cut++) {
      strictEqual(
        parseProxyHeader(header.subarray(0, cut)).status,
        "incomplete",
        `${cut} of ${header.length} bytes`,
      );
    }
    strictEqual(parseProxyHeader(header).status === "incomplete", false);
  }
});

const INVALID: [string, Uint8Array, RegExp][] = [
  ["a session request", text("status\n"), /not a PROXY header/],
  ["an HTTP request", text("GET / HTTP/1.1\r\n"), /not a PROXY header/],
  ["lowercase proxy", text("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), /not a PROXY header/],
  ["a wrong v2 signature", Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x01), /not a PROXY header/],
  ["no space after PROXY", text("PROXYTCP4"), /not a PROXY header/],
  ["a v1 line ending in LF alone", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), /LF without CR/],
  [
    "a v1 line with no CRLF in 107 bytes",
    text("PROXY UNKNOWN " + "x".repeat(PROXY_V1_MAX_BYTES)),
    /no CRLF in the first 107 bytes/,
  ],
  ["an unknown v1 protocol", text("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), /unknown protocol "UDP4"/],
  ["a v1 line with no protocol", text("PROXY \r\n"), /unknown protocol ""/],
  ["a v1 TCP4 line missing a port", text("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), /6 fields, got 5/],
  ["two spaces", text("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), /7/],
  ["an IPv6 source under TCP4", text("PROXY TCP4 ::1 5.6.7.8 1 2\r\n"), /not TCP4/],
  ["an IPv4 destination under TCP6", text("PROXY TCP6 ::1 5.6.7.8 1 2\r\n"), /not TCP6/],
  ["an octet with a leading zero", text("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n"), /not TCP4/],
  ["an IPv6 zone", text("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), /not TCP6/],
  ["a port with a leading zero", text("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"), /port/],
  ["a port over 65535", text("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n"), /port/],
  ["a negative port", text("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), /port/],
  ["v2 version 1", v2(0x11, 0x11, INET_BODY), /version 1, expected 2/],
  ["v2 version 3", v2(0x31, 0x11, INET_BODY), /version 3, expected 2/],
  ["v2 command 2", v2(0x22, 0x11, INET_BODY), /unknown command 2/],
  ["v2 family 4", v2(0x21, 0x41, INET_BODY), /family and transport 0x41/],
  ["v2 transport 3", v2(0x21, 0x13, INET_BODY), /family and transport 0x13/],
  ["v2 TCP4 with 8 address bytes", v2(0x21, 0x11, INET_BODY.slice(0, 8)), /8 bytes for IPv4/],
  ["v2 TCP6 with IPv4's 12 bytes", v2(0x21, 0x21, INET_BODY), /12 bytes for IPv6/],
  [
    "v2 longer than 536 bytes (only the length read)",
    Uint8Array.of(...PROXY_V2_SIGNATURE, 0x21, 0x11, 0x02, 0x09),
    /521 bytes of addresses, at most 520/,
  ],
  [
    "v2 announcing 65535 bytes",
    Uint8Array.of(...PROXY_V2_SIGNATURE, 0x21, 0x11, 0xff, 0xff),
    /65535 bytes/,
  ],
];

for (const [name, bytes, reason] of INVALID) {
  Deno.test(`parseProxyHeader() refuses ${name}`, () => {
    const header = parseProxyHeader(bytes);
    strictEqual(header.status, "invalid");
    if (header.status === "invalid" && !reason.test(header.reason)) {
      throw new Error(`reason "${header.reason}" does not match ${reason}`);
    }
  });
}

Deno.test("parseProxyHeader() decides within PROXY_HEADER_MAX_BYTES, whatever the bytes", () => {
  strictEqual(PROXY_HEADER_MAX_BYTES, 536);
  const junk = [
    text("PROXY TCP4 " + "1".repeat(600)),
    text("PROXY UNKNOWN" + " ".repeat(600)),
    Uint8Array.of(...PROXY_V2_SIGNATURE, 0x21, 0x11, 0x02, 0x08, ...new Array(600).fill(0)),
  ];
  for (const bytes of junk) {
    const header = parseProxyHeader(bytes.subarray(0, PROXY_HEADER_MAX_BYTES));
    strictEqual(header.status === "incomplete", false, header.status);
  }
});
