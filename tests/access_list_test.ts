import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { AccessList, parseCidr } from "../src/admission/access_list.ts";

const cidrs: [text: string, canonical: string, version: 4 | 6, prefixLength: number][] = [
  ["192.0.2.0/24", "192.0.2.0/24", 4, 24],
  ["192.0.2.1", "192.0.2.1/32", 4, 32],
  ["192.0.2.1/32", "192.0.2.1/32", 4, 32],
  ["0.0.0.0/0", "0.0.0.0/0", 4, 0],
  ["10.0.0.0/8", "10.0.0.0/8", 4, 8],
  ["128.0.0.0/1", "128.0.0.0/1", 4, 1],
  ["255.255.255.255/32", "255.255.255.255/32", 4, 32],
  [" 10.0.0.0/8 ", "10.0.0.0/8", 4, 8],
  ["2001:db8::/32", "2001:db8::/32", 6, 32],
  ["2001:DB8:0::/48", "2001:db8::/48", 6, 48],
  ["2001:db8:0:1::/64", "2001:db8:0:1::/64", 6, 64],
  ["2001:db8::1", "2001:db8::1/128", 6, 128],
  ["::/0", "::/0", 6, 0],
  ["::1", "::1/128", 6, 128],
  ["8000::/1", "8000::/1", 6, 1],
  ["fe80::/10", "fe80::/10", 6, 10],
  // Mapped blocks of /96 or longer are IPv4 blocks.
  ["::ffff:192.0.2.0/120", "192.0.2.0/24", 4, 24],
  ["::ffff:192.0.2.1", "192.0.2.1/32", 4, 32],
  ["::ffff:c000:201/128", "192.0.2.1/32", 4, 32],
  ["::ffff:0:0/96", "0.0.0.0/0", 4, 0],
  ["::/96", "::/96", 6, 96], // IPv4-compatible, not mapped
];

for (const [text, canonical, version, prefixLength] of cidrs) {
  Deno.test(`parseCidr() reads "${text}" as ${canonical}`, () => {
    const cidr = parseCidr(text);
    deepStrictEqual(
      { text: cidr.text, version: cidr.version, prefixLength: cidr.prefixLength },
      { text: canonical, version, prefixLength },
    );
  });
}

Deno.test("parseCidr() holds the network as unsigned numbers", () => {
  deepStrictEqual(parseCidr("192.0.2.0/24"), {
    version: 4,
    network: 0xc0000200,
    prefixLength: 24,
    text: "192.0.2.0/24",
  });
  deepStrictEqual(parseCidr("ffff::/16"), {
    version: 6,
    network: [0xffff0000, 0, 0, 0],
    prefixLength: 16,
    text: "ffff::/16",
  });
});

const ipv4Range = "prefix length must be a whole number from 0 to 32";
const ipv6Range = "prefix length must be a whole number from 0 to 128";
const malformed: [string, string][] = [
  ["", "expected ADDRESS/LENGTH or ADDRESS"],
  ["/24", "expected ADDRESS/LENGTH or ADDRESS"],
  ["192.0.2.0/", 'expected a prefix length after "/"'],
  ["192.0.2.0/33", ipv4Range],
  ["192.0.2.0/-1", ipv4Range],
  ["192.0.2.0/ 24", ipv4Range],
  ["192.0.2.0/024", ipv4Range],
  ["192.0.2.0/1e1", ipv4Range],
  ["192.0.2.0/2a", ipv4Range],
  ["192.0.2.0/24/8", ipv4Range],
  ["192.0.2.0/1000", ipv4Range],
  ["2001:db8::/129", ipv6Range],
  ["::ffff:192.0.2.0/129", ipv6Range],
  ["192.0.2.1/24", 'host bits set, the network is "192.0.2.0/24"'],
  ["10.0.0.1/0", 'host bits set, the network is "0.0.0.0/0"'],
  ["2001:db8::1/64", 'host bits set, the network is "2001:db8::/64"'],
  ["2001:db8:4000::/33", 'host bits set, the network is "2001:db8::/33"'],
  ["::1/0", 'host bits set, the network is "::/0"'],
  ["::ffff:192.0.2.1/120", 'host bits set, the network is "::ffff:192.0.2.0/120"'],
  ["300.0.0.0/8", "not an IP address"],
  ["192.0.2/24", "not an IP address"],
  ["010.0.0.0/8", "not an IP address"],
  ["example.com", "not an IP address"],
  ["fe80::1%eth0/64", "not an IP address"],
  ["[2001:db8::]/32", "not an IP address"],
  ["2001:db8:::/32", "not an IP address"],
  ["all", "not an IP address"],
];

for (const [text, why] of malformed) {
  Deno.test(`parseCidr() rejects "${text}"`, () => {
    throws(() => parseCidr(text), {
      name: "SyntaxError",
      message: `invalid CIDR "${text}": ${why}`,
    });
  });
}

/** A list, and whether it permits each hostname. */
const lists: {
  name: string;
  allow: string[];
  deny: string[];
  permits: Record<string, boolean>;
}[] = [
  {
    name: "an empty list",
    allow: [],
    deny: [],
    permits: { "192.0.2.1": true, "2001:db8::1": true, "::ffff:10.0.0.1": true, "garbage": true },
  },
  {
    name: "a deny list",
    allow: [],
    deny: ["192.0.2.0/24"],
    permits: {
      "192.0.2.5": false,
      "::ffff:192.0.2.5": false,
      "::FFFF:c000:205": false,
      "192.0.3.1": true,
      "192.0.1.255": true,
      "2001:db8::1": true,
    },
  },
  {
    name: "an allow list",
    allow: ["10.0.0.0/8"],
    deny: [],
    permits: {
      "10.1.2.3": true,
      "::ffff:10.255.255.255": true,
      "11.0.0.1": false,
      "9.255.255.255": false,
      "2001:db8::1": false, // any allow entry denies everything else, IPv6 too
      "garbage": false,
    },
  },
  {
    name: "deny within allow",
    allow: ["10.0.0.0/8", "2001:db8::/32"],
    deny: ["10.0.0.0/16", "2001:db8:bad::/48"],
    permits: {
      "10.0.1.1": false,
      "10.1.0.1": true,
      "2001:db8:bad::1": false,
      "2001:db8:bad:1::1": false,
      "2001:db8:bae::1": true,
    },
  },
  {
    name: "deny beats an identical allow",
    allow: ["192.0.2.1"],
    deny: ["192.0.2.1/32"],
    permits: { "192.0.2.1": false },
  },
  {
    name: "IPv4 /0",
    allow: ["0.0.0.0/0"],
    deny: [],
    permits: {
      "0.0.0.0": true,
      "255.255.255.255": true,
      "::ffff:192.0.2.1": true,
      "2001:db8::1": false,
      "::": false,
    },
  },
  {
    name: "IPv6 ::/0 (mapped peers are IPv4)",
    allow: [],
    deny: ["::/0"],
    permits: {
      "2001:db8::1": false,
      "::1": false,
      "fe80::1%eth0": false,
      "192.0.2.1": true,
      "::ffff:192.0.2.1": true,
    },
  },
  {
    name: "IPv4 /32",
    allow: ["192.0.2.1"],
    deny: [],
    permits: { "192.0.2.1": true, "192.0.2.2": false, "192.0.2.0": false },
  },
  {
    name: "IPv4 blocks with the high bit set",
    allow: ["200.0.0.0/8", "128.0.0.0/1", "255.255.255.255"],
    deny: ["250.0.0.0/7"],
    permits: {
      "200.1.2.3": true,
      "128.0.0.1": true,
      "127.255.255.255": false,
      "100.1.2.3": false,
      "255.255.255.255": true,
      "250.1.1.1": false,
      "251.255.255.255": false,
      "252.0.0.0": true,
    },
  },
  {
    name: "IPv6 /128",
    allow: ["2001:db8::1"],
    deny: [],
    permits: {
      "2001:db8::1": true,
      "2001:DB8:0:0:0:0:0:0001": true,
      "2001:db8::2": false,
      "2001:db8::1:1": false,
    },
  },
  {
    name: "an IPv6 /64 at its boundaries",
    allow: ["2001:db8:0:1::/64"],
    deny: [],
    permits: {
      "2001:db8:0:1::": true,
      "2001:db8:0:1:ffff:ffff:ffff:ffff": true,
      "2001:db8:0:2::": false,
      "2001:db8:0:0:ffff:ffff:ffff:ffff": false,
    },
  },
  {
    name: "IPv6 prefixes not on a word boundary",
    allow: ["2001:db8::/33", "8000::/1", "2001:db8:ffff:ffff:ffff:ffff:ffff:fff0/124"],
    deny: [],
    permits: {
      "2001:db8:7fff:ffff::1": true,
      "2001:db8:8000::1": false,
      "ffff::1": true,
      "7fff::1": false,
      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff": true,
      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffef": false,
    },
  },
  {
    name: "a mapped block",
    allow: ["::ffff:192.0.2.0/120"],
    deny: [],
    permits: { "192.0.2.9": true, "::ffff:192.0.2.9": true, "192.0.3.9": false },
  },
  {
    name: "link-local with a zone",
    allow: ["fe80::/10"],
    deny: [],
    permits: { "fe80::1%eth0": true, "febf::1": true, "fec0::1": false },
  },
];

for (const { name, allow, deny, permits } of lists) {
  for (const [hostname, expected] of Object.entries(permits)) {
    Deno.test(`AccessList.permits() with ${name}: ${hostname} → ${expected}`, () => {
      const access = new AccessList(allow.map(parseCidr), deny.map(parseCidr));
      strictEqual(access.permits(hostname), expected);
    });
  }
}

Deno.test("AccessList.empty is true only without any block", () => {
  strictEqual(new AccessList().empty, true);
  strictEqual(new AccessList([], []).empty, true);
  strictEqual(new AccessList([parseCidr("::/0")]).empty, false);
  strictEqual(new AccessList([], [parseCidr("192.0.2.1")]).empty, false);
});
