import assert from "node:assert/strict";
import { isFile } from "./_host.ts";
import { keyValueText, type WorldTime, worldTime } from "../src/protocols/http/world_time.ts";
import { daylightSavingAt } from "../src/time/daylight_saving.ts";
import { resolveZone } from "../src/time/zone.ts";
import { readTzif, transitionsBetween, type Tzif, tzifAt, ZONEINFO } from "./_tzif.ts";

/** worldtimeapi's fields and their JSON types, in its order. */
const SCHEMA: readonly [string, string][] = [
  ["abbreviation", "string"],
  ["client_ip", "string"],
  ["datetime", "string"],
  ["day_of_week", "number"],
  ["day_of_year", "number"],
  ["dst", "boolean"],
  ["dst_from", "string|null"],
  ["dst_offset", "number"],
  ["dst_until", "string|null"],
  ["raw_offset", "number"],
  ["timezone", "string"],
  ["unixtime", "number"],
  ["utc_datetime", "string"],
  ["utc_offset", "string"],
  ["week_number", "number"],
];

/**
 * Zones with DST (north and south, whole-hour, half-hour and 30-minute
 * saving), half-hour and 45-minute offsets, and none.
 */
const ZONES = [
  "Europe/Paris",
  "Europe/London",
  "America/New_York",
  "America/Santiago",
  "Australia/Adelaide",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Tokyo",
  "America/Sao_Paulo",
  "Pacific/Kiritimati",
  "UTC",
];

const hasZoneinfo = isFile(`${ZONEINFO}/Europe/Paris`);

const tzifs = new Map<string, Tzif>();
function tzif(zone: string): Tzif {
  let tz = tzifs.get(zone);
  if (tz === undefined) tzifs.set(zone, tz = readTzif(zone));
  return tz;
}

/** `+05:45`, computed plainly. */
function offsetText(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const minutes = Math.abs(seconds) / 60;
  return sign + String(Math.floor(minutes / 60)).padStart(2, "0") + ":" +
    String(minutes % 60).padStart(2, "0");
}

function utcText(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString().slice(0, 19) + "+00:00";
}

/** worldtimeapi's answer from the TZif file, `Date` and `Temporal.PlainDate` alone. */
function expected(zone: string, seconds: number, nanos: number, ip: string): WorldTime {
  const state = tzifAt(tzif(zone), seconds);
  const wall = new Date((seconds + state.utoff) * 1000).toISOString().slice(0, 19);
  const micros = "." + String(Math.floor(nanos / 1000)).padStart(6, "0");
  const date = Temporal.PlainDate.from(wall.slice(0, 10));
  return {
    abbreviation: state.abbreviation,
    client_ip: ip,
    datetime: wall + micros + offsetText(state.utoff),
    day_of_week: date.dayOfWeek % 7,
    day_of_year: date.dayOfYear,
    dst: state.isdst,
    dst_from: utcText(state.dstFrom),
    dst_offset: state.utoff - state.rawOffset,
    dst_until: utcText(state.dstUntil),
    raw_offset: state.rawOffset,
    timezone: zone,
    unixtime: seconds,
    utc_datetime: new Date(seconds * 1000).toISOString().slice(0, 19) + micros + "+00:00",
    utc_offset: offsetText(state.utoff),
    week_number: date.weekOfYear!,
  };
}

const FROM = Date.UTC(2023, 0, 1) / 1000;
const TO = Date.UTC(2027, 0, 1) / 1000;

Deno.test({
  name: "worldTime() matches the tz database field by field, 2023 to 2026",
  ignore: !hasZoneinfo,
  fn() {
    let compared = 0;
    for (const zone of ZONES) {
      const instants: number[] = [];
      for (let t = FROM + 49_062; t < TO; t += 9 * 86_400 + 3_601) instants.push(t);
      for (const t of transitionsBetween(tzif(zone), FROM, TO)) instants.push(t - 1, t, t + 1);
      for (const seconds of instants) {
        const nanos = (seconds * 7919) % 1_000_000_000;
        const got = worldTime({ seconds, nanos }, resolveZone(zone), "192.0.2.1");
        assert.deepEqual(got, expected(zone, seconds, nanos, "192.0.2.1"), `${zone} at ${seconds}`);
        compared++;
      }
    }
    assert.ok(compared > 2000, String(compared));
  },
});

Deno.test("worldTime() answers every field with worldtimeapi's name, order and type", () => {
  for (const zone of ["Europe/Paris", "Asia/Kolkata", "UTC"]) {
    for (const seconds of [1_719_792_000, 1_704_067_200]) {
      const answer = worldTime({ seconds, nanos: 5000 }, resolveZone(zone), "2001:db8::1");
      assert.deepEqual(Object.keys(answer), SCHEMA.map(([name]) => name));
      for (const [name, type] of SCHEMA) {
        const value = answer[name as keyof WorldTime];
        assert.ok(type.split("|").includes(value === null ? "null" : typeof value), name);
        if (type === "number") assert.ok(Number.isInteger(value), name);
      }
      assert.match(answer.datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
      assert.match(answer.utc_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    }
  }
});

Deno.test("worldTime() gives DST bounds at real transitions, north and south", () => {
  const paris = resolveZone("Europe/Paris");
  // 2024-03-31T01:00:00Z: 02:00 CET becomes 03:00 CEST.
  const spring = 1_711_846_800;
  const before = worldTime({ seconds: spring - 1, nanos: 0 }, paris, "x");
  assert.deepEqual(
    [before.dst, before.dst_from, before.dst_until, before.utc_offset],
    [false, null, null, "+01:00"],
  );
  const at = worldTime({ seconds: spring, nanos: 0 }, paris, "x");
  assert.deepEqual(
    [at.dst, at.dst_from, at.dst_until, at.dst_offset, at.raw_offset, at.abbreviation],
    [true, "2024-03-31T01:00:00+00:00", "2024-10-27T01:00:00+00:00", 3600, 3600, "CEST"],
  );
  assert.equal(at.datetime, "2024-03-31T03:00:00.000000+02:00");

  // Adelaide, southern hemisphere: ACDT from 2023-10-01 02:00 ACST (2023-09-30T16:30Z)
  // to 2024-04-07 03:00 ACDT (2024-04-06T16:30Z); half-hour standard offset.
  const adelaide = worldTime(
    { seconds: 1_704_067_200, nanos: 0 },
    resolveZone("Australia/Adelaide"),
    "x",
  );
  assert.deepEqual(
    [adelaide.dst, adelaide.dst_from, adelaide.dst_until, adelaide.raw_offset, adelaide.dst_offset],
    [true, "2023-09-30T16:30:00+00:00", "2024-04-06T16:30:00+00:00", 34_200, 3600],
  );
  assert.equal(adelaide.utc_offset, "+10:30");
  assert.equal(adelaide.abbreviation, "ACDT");

  // Lord Howe saves half an hour.
  const lordHowe = worldTime(
    { seconds: 1_704_067_200, nanos: 0 },
    resolveZone("Australia/Lord_Howe"),
    "x",
  );
  assert.deepEqual([lordHowe.raw_offset, lordHowe.dst_offset, lordHowe.utc_offset], [
    37_800,
    1800,
    "+11:00",
  ]);
});

Deno.test("worldTime() has no DST, and 30- and 45-minute offsets, where the zone has them", () => {
  const now = { seconds: 1_719_792_000, nanos: 999_999_999 };
  const kolkata = worldTime(now, resolveZone("Asia/Kolkata"), "x");
  assert.deepEqual(
    [kolkata.utc_offset, kolkata.raw_offset, kolkata.dst, kolkata.dst_from, kolkata.dst_offset],
    ["+05:30", 19_800, false, null, 0],
  );
  assert.equal(kolkata.datetime, "2024-07-01T05:30:00.999999+05:30");
  const kathmandu = worldTime(now, resolveZone("Asia/Kathmandu"), "x");
  assert.deepEqual([kathmandu.utc_offset, kathmandu.raw_offset, kathmandu.abbreviation], [
    "+05:45",
    20_700,
    "+0545",
  ]);
  const utc = worldTime(now, resolveZone("UTC"), "x");
  assert.deepEqual([utc.utc_offset, utc.abbreviation, utc.dst, utc.timezone], [
    "+00:00",
    "UTC",
    false,
    "UTC",
  ]);
});

Deno.test("worldTime() numbers ISO weeks across year boundaries", () => {
  const cases: [string, string, number, number, number][] = [
    // UTC instant, zone, week, day of year, day of week
    ["2020-12-31T12:00:00Z", "UTC", 53, 366, 4],
    ["2021-01-03T23:59:59Z", "UTC", 53, 3, 0],
    ["2021-01-04T00:00:00Z", "UTC", 1, 4, 1],
    ["2024-12-30T00:00:00Z", "UTC", 1, 365, 1],
    ["2026-01-01T00:00:00Z", "UTC", 1, 1, 4],
    ["2026-12-31T00:00:00Z", "UTC", 53, 365, 4],
    ["2027-01-03T00:00:00Z", "UTC", 53, 3, 0],
    // Kiritimati (+14) is already in 2021 when UTC is not; New York still in 2020.
    ["2020-12-31T12:00:00Z", "Pacific/Kiritimati", 53, 1, 5],
    ["2021-01-04T03:00:00Z", "America/New_York", 53, 3, 0],
  ];
  for (const [iso, zone, week, dayOfYear, dayOfWeek] of cases) {
    const seconds = Date.parse(iso) / 1000;
    const answer = worldTime({ seconds, nanos: 0 }, resolveZone(zone), "x");
    assert.deepEqual(
      [answer.week_number, answer.day_of_year, answer.day_of_week],
      [week, dayOfYear, dayOfWeek],
      `${iso} ${zone}`,
    );
  }
});

Deno.test("daylightSavingAt() reads Dublin as the rearguard tz data does; fixed offsets have no DST", () => {
  // The tz database's main form gives Dublin a negative DST in winter; ICU, like
  // most libraries, follows the rearguard form: summer IST is the DST.
  const dublin = daylightSavingAt(resolveZone("Europe/Dublin"), 1_719_792_000);
  assert.deepEqual([dublin.dst, dublin.rawOffsetSeconds, dublin.dstOffsetSeconds], [true, 0, 3600]);
  const winter = daylightSavingAt(resolveZone("Europe/Dublin"), 1_704_067_200);
  assert.deepEqual([winter.dst, winter.rawOffsetSeconds], [false, 0]);
  // Fixed offsets never observe DST.
  const fixed = daylightSavingAt(resolveZone("+05:30"), 1_719_792_000);
  assert.deepEqual([fixed.dst, fixed.rawOffsetSeconds, fixed.from], [false, 19_800, null]);
});

Deno.test("keyValueText() writes worldtimeapi's .txt lines", () => {
  const answer = worldTime({ seconds: 0, nanos: 0 }, resolveZone("UTC"), "192.0.2.1");
  const lines = keyValueText(answer).split("\n");
  assert.equal(lines.length, SCHEMA.length + 1);
  assert.equal(lines[0], "abbreviation: UTC");
  assert.equal(lines[6], "dst_from: ");
  assert.equal(lines[11], "unixtime: 0");
  assert.equal(lines.at(-1), "");
});
