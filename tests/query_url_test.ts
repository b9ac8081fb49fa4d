/**
 * `clockd query` URLs: schemes, default ports, IPv6, session requests, and
 * the mistakes that are usage errors.
 */

import assert from "node:assert/strict";
import { DEFAULT_SESSION_REQUEST, parseQueryUrl, QUERY_SCHEMES } from "../src/query/query_url.ts";

const valid: [string, {
  scheme: string;
  hostname: string;
  port: number;
  request: string | null;
  url: string;
}][] = [
  ["session://example.org", {
    scheme: "session",
    hostname: "example.org",
    port: 1200,
    request: DEFAULT_SESSION_REQUEST,
    url: "session://example.org:1200/rfc3339nano",
  }],
  ["session://host/rfc3339", {
    scheme: "session",
    hostname: "host",
    port: 1200,
    request: "rfc3339",
    url: "session://host:1200/rfc3339",
  }],
  ["SESSION://Host:4000/", {
    scheme: "session",
    hostname: "host",
    port: 4000,
    request: DEFAULT_SESSION_REQUEST,
    url: "session://host:4000/rfc3339nano",
  }],
  ["session://h/rfc3339%20Europe/Paris", {
    scheme: "session",
    hostname: "h",
    port: 1200,
    request: "rfc3339 Europe/Paris",
    url: "session://h:1200/rfc3339%20Europe/Paris",
  }],
  ["session://h/rfc3339%20Etc/GMT+5", {
    scheme: "session",
    hostname: "h",
    port: 1200,
    request: "rfc3339 Etc/GMT+5",
    url: "session://h:1200/rfc3339%20Etc/GMT%2B5",
  }],
  ["session://h?q=rfc3339+Asia/Tokyo", {
    scheme: "session",
    hostname: "h",
    port: 1200,
    request: "rfc3339 Asia/Tokyo",
    url: "session://h:1200/rfc3339%20Asia/Tokyo",
  }],
  ["session://h/?q=", {
    scheme: "session",
    hostname: "h",
    port: 1200,
    request: "",
    url: "session://h:1200/?q=",
  }],
  ["session+udp://[::1]:1300/unixns", {
    scheme: "session+udp",
    hostname: "::1",
    port: 1300,
    request: "unixns",
    url: "session+udp://[::1]:1300/unixns",
  }],
  ["daytime://127.0.0.1", {
    scheme: "daytime",
    hostname: "127.0.0.1",
    port: 13,
    request: null,
    url: "daytime://127.0.0.1:13",
  }],
  ["daytime+udp://time.nist.gov/", {
    scheme: "daytime+udp",
    hostname: "time.nist.gov",
    port: 13,
    request: null,
    url: "daytime+udp://time.nist.gov:13",
  }],
  ["time://[2001:db8::1]", {
    scheme: "time",
    hostname: "2001:db8::1",
    port: 37,
    request: null,
    url: "time://[2001:db8::1]:37",
  }],
  ["time+udp://localhost:10037", {
    scheme: "time+udp",
    hostname: "localhost",
    port: 10037,
    request: null,
    url: "time+udp://localhost:10037",
  }],
  ["ntp://pool.ntp.org", {
    scheme: "ntp",
    hostname: "pool.ntp.org",
    port: 123,
    request: null,
    url: "ntp://pool.ntp.org:123",
  }],
  ["  ntp://[::ffff:127.0.0.1]:10123  ", {
    scheme: "ntp",
    hostname: "::ffff:127.0.0.1",
    port: 10123,
    request: null,
    url: "ntp://[::ffff:127.0.0.1]:10123",
  }],
];

for (const [text, expected] of valid) {
  Deno.test(`parseQueryUrl() reads ${JSON.stringify(text)}`, () => {
    const target = parseQueryUrl(text);
    assert.equal(target.scheme.scheme, expected.scheme);
    assert.equal(target.hostname, expected.hostname);
    assert.equal(target.port, expected.port);
    assert.equal(target.request, expected.request);
    assert.equal(target.url, expected.url);
    // The canonical URL reads back as the same target.
    const again = parseQueryUrl(target.url);
    assert.equal(again.url, target.url);
    assert.equal(again.request, target.request);
  });
}

const SCHEMES = /session, session\+udp, daytime, daytime\+udp, time, time\+udp, ntp/;

const invalid: [string, RegExp][] = [
  ["localhost:1200", SCHEMES],
  ["127.0.0.1", SCHEMES],
  ["http://example.org", /unknown scheme "http".*session, session\+udp/],
  ["ntp+tcp://example.org", /unknown scheme "ntp\+tcp"/],
  ["ntp://", /missing host/],
  ["ntp://:123", /missing host/],
  ["ntp://host:0", /port must be 1 to 65535, got "0"/],
  ["ntp://host:65536", /port must be 1 to 65535/],
  ["ntp://host:", /port must be 1 to 65535, got ""/],
  ["ntp://host:ntp", /port must be 1 to 65535/],
  ["ntp://::1", /put an IPv6 address in brackets/],
  ["ntp://[::1", /missing "\]"/],
  ["ntp://[::1]x", /unexpected "x"/],
  ["ntp://[host]", /"host" is not an IPv6 address/],
  ["ntp://user@host", /user name/],
  ["ntp://host#frag", /fragment/],
  ["ntp://ho st", /invalid host "ho st"/],
  ["ntp://host/rfc3339", /ntp:\/\/ takes no request/],
  ["daytime://host?q=x", /daytime:\/\/ takes no request/],
  ["session://host/%zz", /bad percent-encoding/],
  ["session://host/x?q=y", /not both/],
  ["session://host?q=a&q=b", /more than one q/],
  ["session://host?format=x", /unknown query parameter "format"/],
  ["session://host/a%0Ab", /printable ASCII on one line/],
  [`session://host/${"x".repeat(128)}`, /longer than 127 bytes/],
];

for (const [text, message] of invalid) {
  Deno.test(`parseQueryUrl() rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
    assert.throws(() => parseQueryUrl(text), (error: Error) => {
      assert.ok(error instanceof SyntaxError);
      assert.match(error.message, message);
      assert.match(error.message, /^invalid URL "/);
      return true;
    });
  });
}

Deno.test("QUERY_SCHEMES lists every scheme with its transport and default port", () => {
  assert.deepEqual(
    QUERY_SCHEMES.map((s) => [s.scheme, s.protocol, s.transport, s.defaultPort]),
    [
      ["session", "session", "tcp", 1200],
      ["session+udp", "session", "udp", 1200],
      ["daytime", "daytime", "tcp", 13],
      ["daytime+udp", "daytime", "udp", 13],
      ["time", "time", "tcp", 37],
      ["time+udp", "time", "udp", 37],
      ["ntp", "ntp", "udp", 123],
      ["roughtime", "roughtime", "udp", 2002],
      ["roughtime+tcp", "roughtime", "tcp", 2002],
    ],
  );
});

Deno.test("parseQueryUrl() accepts a request of exactly 127 bytes", () => {
  assert.equal(parseQueryUrl(`session://h/${"x".repeat(127)}`).request?.length, 127);
});
