import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { formatHostPort, parseListenAddress } from "../src/cli/listen_address.ts";

const both = ["tcp", "udp"] as const;
const valid: [string, string, number, string[]][] = [
  [":1200", "", 1200, ["tcp", "udp"]],
  ["127.0.0.1:1200", "127.0.0.1", 1200, ["tcp", "udp"]],
  ["[::1]:1200", "::1", 1200, ["tcp", "udp"]],
  ["[::]:0", "::", 0, ["tcp", "udp"]],
  ["localhost:13", "localhost", 13, ["tcp", "udp"]],
  [":1200/tcp", "", 1200, ["tcp"]],
  ["[::1]:1200/UDP", "::1", 1200, ["udp"]],
  ["0.0.0.0:65535", "0.0.0.0", 65535, ["tcp", "udp"]],
];
for (const [text, hostname, port, transports] of valid) {
  Deno.test(`parseListenAddress() reads "${text}"`, () => {
    deepStrictEqual(parseListenAddress(text, both), { hostname, port, transports });
  });
}

const invalid: [string, RegExp][] = [
  ["1200", /expected "HOST:PORT" or ":PORT"/],
  [":70000", /port must be 0 to 65535/],
  [":http", /port must be 0 to 65535/],
  ["::1:1200", /put an IPv6 address in brackets/],
  ["[::1]1200", /expected "\[IPv6\]:PORT"/],
  [":1200/sctp", /transport must be "tcp" or "udp"/],
  [":", /port must be 0 to 65535/],
  ["999.1.1.1:0", /"999\.1\.1\.1" is not an IPv4 address/],
  ["1.2.3:0", /"1\.2\.3" is not an IPv4 address/],
  ["[zz]:0", /"zz" is not an IPv6 address/],
  ["[127.0.0.1]:0", /"127\.0\.0\.1" is not an IPv6 address/],
  ["a_b:0", /"a_b" is not an IP address or a host name/],
  ["-host:0", /"-host" is not an IP address or a host name/],
];
for (const [text, message] of invalid) {
  Deno.test(`parseListenAddress() rejects "${text}"`, () => {
    throws(() => parseListenAddress(text, both), { name: "SyntaxError", message });
  });
}

Deno.test("parseListenAddress() rejects a transport the service lacks", () => {
  throws(() => parseListenAddress(":123/tcp", ["udp"]), /this service has no tcp transport/);
});

Deno.test("parseListenAddress() takes host names and a scoped IPv6 address", () => {
  strictEqual(
    parseListenAddress("time-server.example.org:13", both).hostname,
    "time-server.example.org",
  );
  strictEqual(parseListenAddress("[fe80::1%eth0]:123", both).hostname, "fe80::1%eth0");
});

Deno.test("formatHostPort() brackets IPv6 hosts", () => {
  strictEqual(formatHostPort("::", 1200), "[::]:1200");
  strictEqual(formatHostPort("127.0.0.1", 13), "127.0.0.1:13");
});
