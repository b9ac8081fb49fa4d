import { strictEqual } from "node:assert/strict";
import { SessionLimits } from "../src/protocols/session/session_limits.ts";
import { peerKey } from "../src/admission/peer.ts";

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

Deno.test("SessionLimits shares its counts through the buffer, as workers do", () => {
  const primary = new SessionLimits(3, 2);
  const worker = new SessionLimits(3, 2, primary.buffer);
  strictEqual(primary.admit("192.0.2.1"), true);
  strictEqual(worker.admit("192.0.2.1"), true);
  strictEqual(worker.admit("192.0.2.1"), false, "the per-address limit spans workers");
  strictEqual(primary.admit("192.0.2.2"), true);
  strictEqual(worker.admit("192.0.2.3"), false, "the total spans workers");
  strictEqual(primary.open, 3);
  worker.release("192.0.2.1");
  strictEqual(primary.open, 2);
  strictEqual(primary.admit("192.0.2.1"), true);
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
