/**
 * Expected offsets and abbreviations come from the system's tz database
 * (2025b) through `TZ=<zone> date -d @<seconds> '+%Z %z'` and `zdump -v`,
 * and from Go's rule for zones without a name (`-0700` form).
 */

import assert from "node:assert/strict";
import { resolveZone, UTC, type Zone } from "../src/time/zone.ts";

// 2026-01-15T00:00:00Z and 2026-07-15T00:00:00Z.
const WINTER = 1_768_435_200;
const SUMMER = 1_784_073_600;

function offsetOf(zone: Zone, seconds: number): [number, string] {
  const { offsetSeconds, abbreviation } = zone.offsetAt(seconds);
  return [offsetSeconds, abbreviation];
}

Deno.test("UTC has offset 0 and abbreviation UTC at every instant", () => {
  assert.equal(UTC.name, "UTC");
  for (const seconds of [-1e12, -1, 0, WINTER, SUMMER, 1e12]) {
    assert.deepEqual(offsetOf(UTC, seconds), [0, "UTC"]);
  }
});

Deno.test("resolveZone() reads the UTC spellings in any case as UTC", () => {
  for (
    const text of ["UTC", "utc", "Utc", "Z", "z", "Zulu", "UCT", "Universal", "Etc/UTC", "etc/utc"]
  ) {
    assert.equal(resolveZone(text), UTC, text);
  }
});

Deno.test("resolveZone() reads GMT as a zone named GMT", () => {
  for (const text of ["GMT", "gmt", "Etc/GMT", "GMT0", "Greenwich"]) {
    const zone = resolveZone(text);
    assert.equal(zone.name, "GMT", text);
    assert.deepEqual(offsetOf(zone, WINTER), [0, "GMT"], text);
  }
});

Deno.test("resolveZone() writes IANA names in their canonical case", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["Europe/Paris", "Europe/Paris"],
    ["europe/paris", "Europe/Paris"],
    ["EUROPE/PARIS", "Europe/Paris"],
    ["america/new_york", "America/New_York"],
    ["AMERICA/PORT-AU-PRINCE", "America/Port-au-Prince"],
    ["america/north_dakota/new_salem", "America/North_Dakota/New_Salem"],
    ["asia/kolkata", "Asia/Kolkata"],
    ["us/eastern", "US/Eastern"],
    ["etc/gmt+5", "Etc/GMT+5"],
  ];
  for (const [text, name] of cases) assert.equal(resolveZone(text).name, name, text);
  assert.equal(resolveZone("europe/paris"), resolveZone("Europe/Paris"));
});

Deno.test("resolveZone() reads fixed offsets, east positive", () => {
  // [text, name, offset seconds, abbreviation as Go writes an unnamed zone]
  const cases: readonly (readonly [string, string, number, string])[] = [
    ["+05:30", "+05:30", 19_800, "+0530"],
    ["+0530", "+05:30", 19_800, "+0530"],
    ["+05", "+05:00", 18_000, "+0500"],
    ["+5", "+05:00", 18_000, "+0500"],
    ["+5:30", "+05:30", 19_800, "+0530"],
    ["-08", "-08:00", -28_800, "-0800"],
    ["-08:00", "-08:00", -28_800, "-0800"],
    ["-0330", "-03:30", -12_600, "-0330"],
    ["UTC+2", "+02:00", 7_200, "+0200"],
    ["utc-03:30", "-03:30", -12_600, "-0330"],
    ["GMT+14", "+14:00", 50_400, "+1400"],
    ["+00:00", "+00:00", 0, "+0000"],
    ["-00:00", "+00:00", 0, "+0000"],
    ["+23:59", "+23:59", 86_340, "+2359"],
  ];
  for (const [text, name, offset, abbreviation] of cases) {
    const zone = resolveZone(text);
    assert.equal(zone.name, name, text);
    assert.deepEqual(offsetOf(zone, WINTER), [offset, abbreviation], text);
    assert.deepEqual(offsetOf(zone, -1e10), [offset, abbreviation], text);
  }
  assert.equal(resolveZone("+05:30"), resolveZone("+0530"));
});

Deno.test("resolveZone() rejects unknown zones with a RangeError", () => {
  for (
    const text of [
      "",
      "Mars/Olympus_Mons",
      "Europe/Paris ",
      " UTC",
      "local2",
      "Etc/Unknown",
      "+24:00",
      "+05:60",
      "+123",
      "UTC+",
      "05:30",
      "2020-01-01T00:00Z[Europe/Paris]",
      "Europe/../Paris",
    ]
  ) {
    assert.throws(() => resolveZone(text), {
      name: "RangeError",
      message: `unknown time zone "${text}"`,
    });
  }
});

Deno.test("Zone.offsetAt() follows Europe/Paris across its 2026 changes", () => {
  const paris = resolveZone("Europe/Paris");
  // [seconds, offset, abbreviation]; changes at 2026-03-29T01:00Z and 2026-10-25T01:00Z.
  const cases: readonly (readonly [number, number, string])[] = [
    [WINTER, 3600, "CET"],
    [1_774_745_999, 3600, "CET"],
    [1_774_746_000, 7200, "CEST"],
    [SUMMER, 7200, "CEST"],
    [1_792_889_999, 7200, "CEST"],
    [1_792_890_000, 3600, "CET"],
    // Before France's first change (1891-03-16), local mean time: +00:09:21.
    [-5_364_662_400, 561, "LMT"],
  ];
  // Twice, forwards then backwards, to exercise the span cache both ways.
  for (const order of [cases, [...cases].reverse()]) {
    for (const [seconds, offset, abbreviation] of order) {
      assert.deepEqual(offsetOf(paris, seconds), [offset, abbreviation], `${seconds}`);
    }
  }
});

Deno.test("Zone.offsetAt() follows America/New_York across its 2026 changes", () => {
  const newYork = resolveZone("America/New_York");
  // Changes at 2026-03-08T07:00Z and 2026-11-01T06:00Z.
  const cases: readonly (readonly [number, number, string])[] = [
    [1_772_953_199, -18_000, "EST"],
    [1_772_953_200, -14_400, "EDT"],
    [1_793_512_799, -14_400, "EDT"],
    [1_793_512_800, -18_000, "EST"],
    [WINTER, -18_000, "EST"],
    [SUMMER, -14_400, "EDT"],
    // 1969-07-20T20:17:40Z: before ICU names the zone, still EDT as in tzdata.
    [-14_182_940, -14_400, "EDT"],
  ];
  for (const order of [cases, [...cases].reverse(), cases]) {
    for (const [seconds, offset, abbreviation] of order) {
      assert.deepEqual(offsetOf(newYork, seconds), [offset, abbreviation], `${seconds}`);
    }
  }
});

Deno.test("Zone.offsetAt() gives tz database abbreviations, numeric where it has no letters", () => {
  // [zone, [winter offset, abbreviation], [summer offset, abbreviation]]
  const cases: readonly (readonly [string, [number, string], [number, string]])[] = [
    ["Asia/Kolkata", [19_800, "IST"], [19_800, "IST"]],
    ["Asia/Tokyo", [32_400, "JST"], [32_400, "JST"]],
    ["Asia/Shanghai", [28_800, "CST"], [28_800, "CST"]],
    ["Australia/Sydney", [39_600, "AEDT"], [36_000, "AEST"]],
    ["Pacific/Auckland", [46_800, "NZDT"], [43_200, "NZST"]],
    ["Europe/London", [0, "GMT"], [3600, "BST"]],
    ["Europe/Dublin", [0, "GMT"], [3600, "IST"]],
    ["Europe/Moscow", [10_800, "MSK"], [10_800, "MSK"]],
    ["Africa/Johannesburg", [7200, "SAST"], [7200, "SAST"]],
    ["America/Los_Angeles", [-28_800, "PST"], [-25_200, "PDT"]],
    ["America/Phoenix", [-25_200, "MST"], [-25_200, "MST"]],
    ["America/St_Johns", [-12_600, "NST"], [-9000, "NDT"]],
    ["Asia/Kathmandu", [20_700, "+0545"], [20_700, "+0545"]],
    ["Asia/Tehran", [12_600, "+0330"], [12_600, "+0330"]],
    ["Europe/Istanbul", [10_800, "+03"], [10_800, "+03"]],
    ["America/Sao_Paulo", [-10_800, "-03"], [-10_800, "-03"]],
    ["Pacific/Chatham", [49_500, "+1345"], [45_900, "+1245"]],
    ["Etc/GMT+5", [-18_000, "-05"], [-18_000, "-05"]],
  ];
  for (const [name, winter, summer] of cases) {
    const zone = resolveZone(name);
    assert.deepEqual(offsetOf(zone, WINTER), winter, `${name} in January`);
    assert.deepEqual(offsetOf(zone, SUMMER), summer, `${name} in July`);
  }
});

Deno.test("Zone.offsetAt() answers far outside the supported range without throwing", () => {
  const paris = resolveZone("Europe/Paris");
  for (const seconds of [-1e13, 1e13, -8.64e12, 8.64e12]) {
    const { offsetSeconds, abbreviation } = paris.offsetAt(seconds);
    assert.ok(Number.isInteger(offsetSeconds), `${seconds}`);
    assert.ok(abbreviation.length > 0, `${seconds}`);
  }
});

async function hostZoneIn(tz: string): Promise<string> {
  const code = `import { resolveZone } from ${
    JSON.stringify(new URL("../src/time/zone.ts", import.meta.url).href)
  };
const zone = resolveZone("LOCAL");
console.log(zone.name + " " + zone.offsetAt(${WINTER}).abbreviation);`;
  const { code: status, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    env: { TZ: tz },
  }).output();
  assert.equal(status, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("resolveZone() reads local as the host zone, honouring TZ", async () => {
  // [TZ, "name abbreviation in January 2026"]
  const cases: readonly (readonly [string, string])[] = [
    ["America/New_York", "America/New_York EST"],
    ["Asia/Kolkata", "Asia/Kolkata IST"],
    [":Europe/Paris", "Europe/Paris CET"],
    ["UTC", "UTC UTC"],
    ["Etc/UTC", "UTC UTC"],
  ];
  for (const [tz, expected] of cases) assert.equal(await hostZoneIn(tz), expected, `TZ=${tz}`);
});
