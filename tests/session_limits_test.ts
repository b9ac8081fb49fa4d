import { strictEqual } from "node:assert/strict";
import { SessionLimits } from "../src/session_limits.ts";
import { peerKey } from "../src/peer.ts";

Deno.test("SessionLimits.admit() enforces the per-address limit", () => {
  const limits = new SessionLimits(100, 2);
  strictEqual(limits.admit("192.0.2.1"), true);
  strictEqual(limits.admit("192.0.2.1"), true);
  strictEqual(limits.admit("192.0.2.1"), false);
  strictEqual(limits.admit("192.0.2.2"), true);
  limits.release("192.0.2.1");
  strictEqual(limits.admit("192.0.2.1"), true);
  strictEqual(limits.open, 3);
});

Deno.test("SessionLimits.admit() enforces the total limit", () => {
  const limits = new SessionLimits(2, 10);
  strictEqual(limits.admit("a"), true);
  strictEqual(limits.admit("b"), true);
  strictEqual(limits.admit("c"), false);
  limits.release("a");
  strictEqual(limits.admit("c"), true);
});

Deno.test("SessionLimits.release() ignores an address never admitted", () => {
  const limits = new SessionLimits(1, 1);
  limits.release("x");
  strictEqual(limits.open, 0);
  strictEqual(limits.admit("x"), true);
});

const keys: [string, string][] = [
  ["192.0.2.1", "192.0.2.1"],
  ["::ffff:192.0.2.1", "192.0.2.1"],
  ["::FFFF:10.0.0.1", "10.0.0.1"],
  ["2001:db8::1", "2001:db8::1"],
  ["::1", "::1"],
];
for (const [hostname, key] of keys) {
  Deno.test(`peerKey() counts ${hostname} as ${key}`, () => {
    strictEqual(peerKey({ transport: "tcp", hostname, port: 1 }), key);
  });
}
