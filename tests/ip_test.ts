import { deepStrictEqual, notStrictEqual, strictEqual } from "node:assert/strict";
import {
  formatIpv4,
  formatIpv6,
  parseIp,
  parseIpInto,
  sourcePrefix,
  unmappedIpv4,
} from "../src/admission/ip.ts";

const prefixes: [string, string][] = [
  // IPv4: the address itself.
  ["192.0.2.1", "192.0.2.1"],
  ["0.0.0.0", "0.0.0.0"],
  ["255.255.255.255", "255.255.255.255"],
  ["10.0.0.10", "10.0.0.10"],
  // IPv4-mapped IPv6: the IPv4 address, whatever the spelling.
  ["::ffff:192.0.2.1", "192.0.2.1"],
  ["::FFFF:10.0.0.1", "10.0.0.1"],
  ["::ffff:c000:201", "192.0.2.1"],
  ["0:0:0:0:0:ffff:192.0.2.1", "192.0.2.1"],
  ["0000:0000:0000:0000:0000:FFFF:C000:0201", "192.0.2.1"],
  ["::ffff:255.255.255.255", "255.255.255.255"],
  // IPv6: the /64, RFC 5952 text.
  ["2001:db8::1", "2001:db8::/64"],
  ["2001:db8:0:0:ffff::2", "2001:db8::/64"],
  ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::/64"],
  ["2001:db8:1::1", "2001:db8:1::/64"],
  ["2001:db8:0:1::", "2001:db8:0:1::/64"],
  ["2001:0:0:1::5", "2001:0:0:1::/64"],
  ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "2001:db8:aaaa:bbbb::/64"],
  ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff::/64"],
  ["::1", "::/64"],
  ["::", "::/64"],
  ["0:0:0:1::", "0:0:0:1::/64"],
  ["fe80::1%eth0", "fe80::/64"],
  ["64:ff9b::192.0.2.1", "64:ff9b::/64"], // NAT64, not mapped
  ["::192.0.2.1", "::/64"], // IPv4-compatible (deprecated), not mapped
  ["::ffff:0:192.0.2.1", "::/64"], // IPv4-translated, not mapped
  // Not an address (a socket never reports one): the text as it is.
  ["localhost", "localhost"],
  ["", ""],
  ["192.0.2.256", "192.0.2.256"],
  ["01.2.3.4", "01.2.3.4"],
];

for (const [hostname, key] of prefixes) {
  Deno.test(`sourcePrefix() keys "${hostname}" as "${key}"`, () => {
    strictEqual(sourcePrefix(hostname), key);
  });
}

Deno.test("sourcePrefix() gives every address of one /64 the same key", () => {
  const same = [
    "2001:db8:1:2::",
    "2001:db8:1:2::1",
    "2001:DB8:1:2:ffff:ffff:ffff:ffff",
    "2001:0db8:0001:0002:0000:0000:0000:0001",
    "2001:db8:1:2:0:0:0.0.0.1",
  ];
  for (const hostname of same) strictEqual(sourcePrefix(hostname), "2001:db8:1:2::/64", hostname);
  notStrictEqual(sourcePrefix("2001:db8:1:3::1"), sourcePrefix("2001:db8:1:2::1"));
  notStrictEqual(sourcePrefix("2001:db8:1:2::1"), sourcePrefix("2001:db8:1::1"));
});

const valid: [string, ReturnType<typeof parseIp>][] = [
  ["192.0.2.1", { version: 4, value: 0xc0000201 }],
  ["0.0.0.0", { version: 4, value: 0 }],
  ["255.255.255.255", { version: 4, value: 0xffffffff }],
  ["2001:db8::1", { version: 6, words: [0x20010db8, 0, 0, 1] }],
  ["::", { version: 6, words: [0, 0, 0, 0] }],
  ["::1", { version: 6, words: [0, 0, 0, 1] }],
  ["1::", { version: 6, words: [0x00010000, 0, 0, 0] }],
  ["1::2:3:4:5:6:7", { version: 6, words: [0x00010000, 0x00020003, 0x00040005, 0x00060007] }],
  ["1:2:3:4:5:6:7::", { version: 6, words: [0x00010002, 0x00030004, 0x00050006, 0x00070000] }],
  ["1:2:3:4:5:6:7:8", { version: 6, words: [0x00010002, 0x00030004, 0x00050006, 0x00070008] }],
  ["FFFF:ffff::", { version: 6, words: [0xffffffff, 0, 0, 0] }],
  ["::ffff:192.0.2.1", { version: 6, words: [0, 0, 0xffff, 0xc0000201] }],
  ["1:2:3:4:5:6:1.2.3.4", { version: 6, words: [0x00010002, 0x00030004, 0x00050006, 0x01020304] }],
  ["0001:02:003:4::", { version: 6, words: [0x00010002, 0x00030004, 0, 0] }],
];

for (const [text, ip] of valid) {
  Deno.test(`parseIp() reads "${text}"`, () => {
    deepStrictEqual(parseIp(text), ip);
  });
}

const invalid = [
  "",
  "1.2.3",
  "1.2.3.4.5",
  "256.0.0.1",
  "1.2.3.256",
  "01.2.3.4",
  "1.2.3.04",
  "1..2.3",
  ".1.2.3",
  "1.2.3.",
  "a.b.c.d",
  " 1.2.3.4",
  "1.2.3.4 ",
  "1234.1.1.1",
  ":",
  ":::",
  ":1::",
  "1:",
  "1:::2",
  "::1:",
  "1::2::3",
  "1:2:3:4:5:6:7",
  "1:2:3:4:5:6:7:8:9",
  "1::2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8::",
  "12345::",
  "g::",
  "::1.2.3",
  "::1.2.3.4:5",
  "1:2:3:4:5:6:7:1.2.3.4",
  "::1:2:3:4:5:6:1.2.3.4",
  "::ffff:1.2.3.256",
  "::ffff:01.2.3.4",
  "[::1]",
  "fe80::1%eth0",
  "localhost",
];

for (const text of invalid) {
  Deno.test(`parseIp() rejects "${text}"`, () => {
    strictEqual(parseIp(text), null);
  });
}

Deno.test("parseIpInto() accepts a zone only when asked to", () => {
  const out = new Int32Array(4);
  strictEqual(parseIpInto("fe80::1%eth0", out, true), 6);
  deepStrictEqual([...out], [0xfe800000 | 0, 0, 0, 1]);
  strictEqual(parseIpInto("fe80::1%eth0", out, false), 0);
  strictEqual(parseIpInto("fe80::1%", out, true), 0);
});

const formatted: [string, string][] = [
  // RFC 5952 §4: lowercase, no leading zeros, longest zero run, first when tied, no single-group "::".
  ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
  ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
  ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
  ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ["0:0:0:0:0:0:0:0", "::"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["1:0:0:0:0:0:0:0", "1::"],
  ["::ffff:192.0.2.1", "::ffff:c000:201"],
];

for (const [text, canonical] of formatted) {
  Deno.test(`formatIpv6() writes "${text}" as "${canonical}"`, () => {
    const ip = parseIp(text);
    strictEqual(ip?.version, 6);
    if (ip?.version === 6) strictEqual(formatIpv6(ip.words), canonical);
  });
}

Deno.test("formatIpv4() writes signed and unsigned numbers alike", () => {
  strictEqual(formatIpv4(0xc0000201), "192.0.2.1");
  strictEqual(formatIpv4(0xc0000201 | 0), "192.0.2.1");
  strictEqual(formatIpv4(0), "0.0.0.0");
  strictEqual(formatIpv4(-1), "255.255.255.255");
});

Deno.test("unmappedIpv4() unwraps mapped addresses only", () => {
  strictEqual(unmappedIpv4(parseIp("192.0.2.1")!), 0xc0000201);
  strictEqual(unmappedIpv4(parseIp("::ffff:192.0.2.1")!), 0xc0000201);
  strictEqual(unmappedIpv4(parseIp("::ffff:c000:201")!), 0xc0000201);
  strictEqual(unmappedIpv4(parseIp("::192.0.2.1")!), null);
  strictEqual(unmappedIpv4(parseIp("2001:db8::1")!), null);
});
