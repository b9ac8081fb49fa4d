/**
 * The clock sources: the cheap whole-second read agrees with the full one.
 */

import assert from "node:assert/strict";
import { fixedClock, processClock, systemClock } from "../src/time/clock.ts";

Deno.test("systemClock.seconds() is the second now() reads, read between two of them", () => {
  for (const clock of [systemClock, processClock(performance.timeOrigin)]) {
    for (let i = 0; i < 1000; i++) {
      const before = clock.now().seconds;
      const second = clock.seconds();
      const after = clock.now().seconds;
      assert.ok(Number.isInteger(second));
      assert.ok(before <= second && second <= after, `${before} <= ${second} <= ${after}`);
    }
  }
});

Deno.test("fixedClock().seconds() is its instant's second", () => {
  assert.equal(fixedClock({ seconds: 1_700_000_000, nanos: 999_999_999 }).seconds(), 1_700_000_000);
});
