import assert from "node:assert/strict";
import { SessionProtocol } from "../src/protocols/session/session_protocol.ts";
import { fixedClock } from "../src/time/clock.ts";
import { getFormat } from "../src/time/formats.ts";
import { builtInLeapTable, LeapSeconds, leapTableFromText } from "../src/time/leap_seconds.ts";
import { UTC } from "../src/time/zone.ts";
import { leapFileTexts } from "./_leap_files.ts";

/** 2026-12-01T00:00:00Z, just after the crafted files' leap second. */
const AFTER = 1_796_083_200;

Deno.test("SessionProtocol answers tai64n and json from the table in force, swapped on replace()", () => {
  const leaps = new LeapSeconds(builtInLeapTable());
  const protocol = new SessionProtocol({
    clock: fixedClock({ seconds: AFTER, nanos: 0 }),
    defaultFormat: getFormat("go")!,
    defaultZone: UTC,
    leapSeconds: leaps,
  });
  const state = protocol.newState(true);
  assert.equal(protocol.answerText(state, "tai64n"), "@400000006b0e0e2500000000");
  leaps.replace(leapTableFromText(leapFileTexts(AFTER - 3600).insertion, "/f", AFTER));
  assert.equal(protocol.answerText(state, "tai64n"), "@400000006b0e0e2600000000");
  assert.match(protocol.answerText(state, "json"), /"tai64n":"@400000006b0e0e2600000000"/);
  leaps.replace(builtInLeapTable());
  assert.equal(protocol.answerText(state, "tai64n"), "@400000006b0e0e2500000000");
});

Deno.test("SessionProtocol without a leap source uses the built-in table", () => {
  const protocol = new SessionProtocol({
    clock: fixedClock({ seconds: AFTER, nanos: 0 }),
    defaultFormat: getFormat("go")!,
    defaultZone: UTC,
  });
  assert.equal(protocol.answerText(protocol.newState(true), "tai64n"), "@400000006b0e0e2500000000");
});
