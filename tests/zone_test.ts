/**
 * Expected offsets and abbreviations come from the system's tz database
 * (2025b) through `TZ=<zone> date -d @<seconds> '+%Z %z'` and `zdump -v`,
 * and from Go's rule for zones without a name (`-0700` form). The history
 * tests read `zdump -v` at run time: an oracle independent of clockd's own
 * TZif reader (zdump is tzcode's, reading the host's files itself).
 */

import assert from "node:assert/strict";
import { IanaZone } from "../src/time/_iana_zone.ts";
import { resolveZone, UTC, type Zone } from "../src/time/zone.ts";
import { hasProgram, START_FLAGS } from "./_clockd.ts";

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

/** Every IANA zone the tests use. */
const TEST_ZONES: readonly string[] = [
  "Africa/Johannesburg",
  "America/Los_Angeles",
  "America/New_York",
  "America/North_Dakota/New_Salem",
  "America/Phoenix",
  "America/Port-au-Prince",
  "America/Sao_Paulo",
  "America/St_Johns",
  "Asia/Dubai",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Asia/Shanghai",
  "Asia/Tehran",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Etc/GMT+5",
  "Europe/Dublin",
  "Europe/Istanbul",
  "Europe/London",
  "Europe/Moscow",
  "Europe/Paris",
  "Pacific/Auckland",
  "Pacific/Chatham",
  "US/Eastern",
];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** One instant tzdata describes: [Unix seconds, offset, abbreviation]. */
type TzState = readonly [number, number, string];

/**
 * What tzdata says of a zone from 1800 to 2040, from `zdump -v`: each
 * transition (and the second before it), then the 15th of January and July
 * of every year, placed in the span zdump's transitions give them.
 */
function tzdataSamples(zone: string): TzState[] {
  const { stdout } = new Deno.Command("zdump", { args: ["-v", "-c", "1800,2040", zone] })
    .outputSync();
  const states: TzState[] = [];
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    // "Europe/London  Sun Feb 18 02:00:00 1968 UT = Sun Feb 18 03:00:00 1968 BST isdst=1 gmtoff=3600"
    const m =
      /^\S+\s+\w{3} (\w{3})\s+(\d+) (\d\d):(\d\d):(\d\d) (-?\d+) UT = .* (\S+) isdst=\d gmtoff=(-?\d+)$/
        .exec(line);
    if (m === null) continue;
    const seconds = Date.UTC(+m[6], MONTHS.indexOf(m[1]), +m[2], +m[3], +m[4], +m[5]) / 1000;
    states.push([seconds, +m[8], m[7]]);
  }
  const samples = [...states];
  let i = 0;
  for (let year = 1800; year < 2040; year++) {
    for (const month of [0, 6]) {
      const seconds = Date.UTC(year, month, 15) / 1000;
      while (i + 1 < states.length && states[i + 1][0] <= seconds) i++;
      if (states.length > 0 && states[i][0] <= seconds) {
        samples.push([seconds, states[i][1], states[i][2]]);
      }
    }
  }
  return samples;
}

function hasTzdata(): boolean {
  try {
    return hasProgram("zdump") && Deno.statSync("/usr/share/zoneinfo/Europe/London").isFile;
  } catch {
    return false;
  }
}

/** Where a zone disagrees with tzdata on the abbreviation though not on the offset. */
function abbreviationMismatches(zone: Zone, samples: readonly TzState[], since = -Infinity) {
  const mismatches: string[] = [];
  let compared = 0;
  for (const [seconds, offset, abbreviation] of samples) {
    if (seconds < since) continue;
    const got = zone.offsetAt(seconds);
    // Offsets are ICU's, the runtime's own; the host's tzdata may be another release.
    if (got.offsetSeconds !== offset) continue;
    compared++;
    if (got.abbreviation !== abbreviation) {
      mismatches.push(
        `${zone.name} ${
          new Date(seconds * 1000).toISOString()
        }: ${got.abbreviation}, tzdata ${abbreviation}`,
      );
    }
  }
  return { compared, mismatches };
}

Deno.test({
  name: "Zone.offsetAt() gives tzdata's abbreviations across history in every zone the tests use",
  ignore: !hasTzdata(),
  fn() {
    let compared = 0;
    for (const name of TEST_ZONES) {
      const samples = tzdataSamples(name);
      const result = abbreviationMismatches(resolveZone(name), samples);
      assert.deepEqual(result.mismatches, [], name);
      assert.ok(result.compared >= samples.length * 0.95, `${name}: offsets agree with tzdata`);
      compared += result.compared;
    }
    assert.ok(compared > 10_000, `${compared} instants compared`);
  },
});

Deno.test({
  name: "Zone.offsetAt() from ICU's names alone matches tzdata since 1972 in the tests' zones",
  ignore: !hasTzdata(),
  fn() {
    // The spans ICU's names cannot give: its metazone starts Istanbul's EET in
    // 1985, and it has no name for Newfoundland's double daylight time.
    const expected = [
      "Europe/Istanbul 1984-10-31T23:00:00.000Z: +02, tzdata EET",
      "Europe/Istanbul 1985-01-15T00:00:00.000Z: +02, tzdata EET",
      "America/St_Johns 1988-04-03T03:31:00.000Z: NDT, tzdata NDDT",
      "America/St_Johns 1988-07-15T00:00:00.000Z: NDT, tzdata NDDT",
      "America/St_Johns 1988-10-30T01:30:59.000Z: NDT, tzdata NDDT",
    ];
    const mismatches: string[] = [];
    for (const name of TEST_ZONES) {
      const zone = name.startsWith("Etc/") ? resolveZone(name) : new IanaZone(name, null);
      mismatches.push(...abbreviationMismatches(zone, tzdataSamples(name), 63_072_000).mismatches);
    }
    assert.deepEqual(mismatches.sort(), expected.sort());
  },
});

Deno.test("resolveZone() names London's 1968–1971 offset BST without tzdata files, as clockd runs", async () => {
  // deno task start's permissions: no read access to /usr/share/zoneinfo, so ICU's names only.
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { resolveZone } from ${
        JSON.stringify(new URL("../src/time/zone.ts", import.meta.url).href)
      };
const london = resolveZone("Europe/London");
console.log([-62_208_000, 0, 60_000_000, -1_000_000_000].map((s) => london.offsetAt(s).abbreviation).join(" "));`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-check",
        ...START_FLAGS.filter((f) => !f.startsWith("--v8")),
        script,
      ],
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    // 1968-01-12 (GMT), 1970-01-01 (BST), 1971-11-26 (GMT), 1938-04-24 (BST).
    assert.equal(new TextDecoder().decode(stdout).trim(), "GMT BST GMT BST");
  } finally {
    await Deno.remove(script);
  }
});
