import { strictEqual, throws } from "node:assert/strict";
import { formatDuration, parseDuration } from "../src/cli/duration.ts";

const valid: [string, number][] = [
  ["0", 0],
  ["100ms", 100],
  ["1.5s", 1500],
  ["2m", 120_000],
  ["1h", 3_600_000],
  [" 5s ", 5000],
];
for (const [text, ms] of valid) {
  Deno.test(`parseDuration() reads "${text}" as ${ms} ms`, () =>
    strictEqual(parseDuration(text), ms));
}

for (const text of ["", "5", "-1s", "2 m", "1d", "s", "1e3ms", "abc"]) {
  Deno.test(`parseDuration() rejects "${text}"`, () => {
    throws(() => parseDuration(text), {
      name: "SyntaxError",
      message: `invalid duration "${text}": expected e.g. 100ms, 5s, 2m, 1h`,
    });
  });
}

Deno.test("parseDuration() reads a bare number in the unit a flag names", () => {
  strictEqual(parseDuration("2", "s"), 2000);
  strictEqual(parseDuration("0.5", "s"), 500);
  strictEqual(parseDuration("250ms", "s"), 250, "a unit still wins");
  throws(() => parseDuration("-2", "s"), {
    name: "SyntaxError",
    message: 'invalid duration "-2": expected e.g. 100ms, 5s, 2m, 1h, or a number of seconds',
  });
});

Deno.test("formatDuration() writes the shortest exact unit", () => {
  strictEqual(formatDuration(120_000), "2m");
  strictEqual(formatDuration(1500), "1500ms");
  strictEqual(formatDuration(3_600_000), "1h");
  strictEqual(formatDuration(5000), "5s");
});
