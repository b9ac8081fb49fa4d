/**
 * The offset and delay arithmetic of `clockd query`: the midpoint estimate
 * for one-timestamp protocols, NTP's bound, and the summary spread.
 */

import assert from "node:assert/strict";
import type { Instant } from "../src/time/instant.ts";
import type { NtpReply } from "../src/protocols/ntp/client.ts";
import { midpointEstimate, ntpEstimate, spread } from "../src/query/estimate.ts";

const T = 1_795_254_845;

function at(seconds: number, nanos = 0): Instant {
  return { seconds, nanos };
}

// [name, server, resolution ns, sent, received, offset, delay, error]
const cases: [string, Instant, number, Instant, Instant, number, number, number][] = [
  [
    'whole-second answer "T" with t_send, t_receive = T -/+ 0.6 s: T + 0.5 s at the midpoint',
    at(T),
    1e9,
    at(T - 1, 400_000_000),
    at(T, 600_000_000),
    0.5,
    1.2,
    1.1,
  ],
  [
    "whole-second answer, clocks agree, fast round trip",
    at(T),
    1e9,
    at(T, 499_900_000),
    at(T, 500_100_000),
    0,
    0.0002,
    0.5001,
  ],
  [
    "nanosecond answer, server 1 ms ahead",
    at(T, 1_001_000),
    1,
    at(T, 0),
    at(T, 2_000),
    0.0010000005,
    0.000002,
    0.0000010005,
  ],
  [
    "millisecond answer, server 2 s behind",
    at(T - 2, 500_000_000),
    1e6,
    at(T, 499_000_000),
    at(T, 501_000_000),
    -1.9995,
    0.002,
    0.0015,
  ],
  [
    "across a second boundary, negative times",
    at(-1, 0),
    1e9,
    at(-2, 900_000_000),
    at(-1, 100_000_000),
    0.5,
    0.2,
    0.6,
  ],
  [
    "received before sent (clock stepped): delay counts as 0",
    at(T),
    1e9,
    at(T, 2),
    at(T, 0),
    0.499999999,
    0,
    0.5,
  ],
];

for (const [name, server, resolution, sent, received, offset, delay, error] of cases) {
  Deno.test(`midpointEstimate() ${name}`, () => {
    const e = midpointEstimate(server, resolution, sent, received);
    assert.ok(Math.abs(e.offset - offset) < 1e-12, `offset ${e.offset}, expected ${offset}`);
    assert.ok(Math.abs(e.delay - delay) < 1e-12, `delay ${e.delay}, expected ${delay}`);
    assert.ok(Math.abs(e.error - error) < 1e-12, `error ${e.error}, expected ${error}`);
  });
}

Deno.test("midpointEstimate() keeps nanoseconds exact far from 1970", () => {
  // Integer arithmetic: a float of the whole instant would lose the last digits.
  const e = midpointEstimate(at(T, 7), 1, at(T, 0), at(T, 2));
  assert.equal(e.offset, 6.5e-9);
  assert.equal(e.delay, 2e-9);
});

Deno.test("ntpEstimate() takes offset and delay from the reply, error delay/2 + precision/2", () => {
  const reply = { offset: -0.001, delay: 0.004, precision: -10 } as NtpReply;
  const e = ntpEstimate(reply);
  assert.equal(e.offset, -0.001);
  assert.equal(e.delay, 0.004);
  assert.equal(e.error, 0.002 + 2 ** -11);
  // A negative delay (the server's clock stepped) reports as is but bounds as 0.
  assert.equal(ntpEstimate({ ...reply, delay: -0.001 }).error, 2 ** -11);
});

Deno.test("spread() gives min, median and max", () => {
  assert.equal(spread([]), null);
  assert.deepEqual(spread([5]), { min: 5, median: 5, max: 5 });
  assert.deepEqual(spread([3, -1, 2]), { min: -1, median: 2, max: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { min: 1, median: 2.5, max: 4 });
  const values = [3, 1, 2];
  spread(values);
  assert.deepEqual(values, [3, 1, 2], "the input is not sorted in place");
});
