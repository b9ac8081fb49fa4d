/**
 * Expected strings come from the formats' published definitions, worked out
 * outside this code: the Go layouts from Go 1.19's `time` package
 * (`time.Unix(s, ns).In(loc).String()` / `.Format(...)`, `http.TimeFormat`)
 * on tzdata 2025b; the ISO 8601 and daytime strings from GNU `date`
 * (`--iso-8601=ns`, `%j`, `%G-W%V-%u`, `%A, %B %-d, %Y`); the counts, Julian
 * dates, NTP and TAI64N labels from Python integer arithmetic with the
 * system's `leap-seconds.list`; the NIST lines by hand from NIST's
 * documentation and `zdump` of America/New_York.
 */

import assert from "node:assert/strict";
import {
  formatInstant,
  FORMATS,
  getFormat,
  LEAP_SECONDS,
  nistDaytime,
  taiMinusUtc,
} from "../src/time/formats.ts";
import type { Instant } from "../src/time/instant.ts";
import { resolveZone, UTC as UTC_ZONE } from "../src/time/zone.ts";

/** [Unix seconds, nanoseconds, zone, expected]. */
type Case = readonly [number, number, string, string];

function check(format: string, cases: readonly Case[]): void {
  for (const [seconds, nanos, zone, expected] of cases) {
    const actual = formatInstant(format, { seconds, nanos }, resolveZone(zone));
    assert.equal(actual, expected, `${format} of ${seconds}.${nanos} in ${zone}`);
  }
}

// 2026-11-21T09:54:05.123456789Z: standard time in Paris and New York.
const NOV = 1_795_254_845;
const NOV_NS = 123_456_789;
// 2026-07-04T12:00:00Z: summer time in both.
const JUL = 1_783_166_400;
// Europe/Paris springs forward at 2026-03-29T01:00:00Z.
const PARIS_SPRING = 1_774_746_000;
// America/New_York springs forward at 2026-03-08T07:00:00Z, falls back at 2026-11-01T06:00:00Z.
const NY_SPRING = 1_772_953_200;
const NY_FALL = 1_793_512_800;
// 1969-07-20T20:17:40Z, Apollo 11 landing: a negative instant.
const APOLLO = -14_182_940;

Deno.test("formatInstant() renders go as Go's time.Time.String()", () => {
  check("go", [
    [NOV, NOV_NS, "UTC", "2026-11-21 09:54:05.123456789 +0000 UTC"],
    [NOV, NOV_NS, "Europe/Paris", "2026-11-21 10:54:05.123456789 +0100 CET"],
    [NOV, NOV_NS, "America/New_York", "2026-11-21 04:54:05.123456789 -0500 EST"],
    [NOV, NOV_NS, "+05:30", "2026-11-21 15:24:05.123456789 +0530 +0530"],
    [NOV, NOV_NS, "-08:00", "2026-11-21 01:54:05.123456789 -0800 -0800"],
    [JUL, 0, "Europe/Paris", "2026-07-04 14:00:00 +0200 CEST"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "2026-03-29 01:59:59.999999999 +0100 CET"],
    [PARIS_SPRING, 0, "Europe/Paris", "2026-03-29 03:00:00 +0200 CEST"],
    [NY_SPRING - 1, 999_999_999, "America/New_York", "2026-03-08 01:59:59.999999999 -0500 EST"],
    [NY_SPRING, 0, "America/New_York", "2026-03-08 03:00:00 -0400 EDT"],
    [NY_FALL - 1, 500_000_000, "America/New_York", "2026-11-01 01:59:59.5 -0400 EDT"],
    [NY_FALL, 0, "America/New_York", "2026-11-01 01:00:00 -0500 EST"],
    [APOLLO, 250_000_000, "UTC", "1969-07-20 20:17:40.25 +0000 UTC"],
    [APOLLO, 250_000_000, "America/New_York", "1969-07-20 16:17:40.25 -0400 EDT"],
    [-2, 500_000_000, "-08:00", "1969-12-31 15:59:58.5 -0800 -0800"],
  ]);
});

Deno.test("formatInstant() trims go and rfc3339nano fractions as Go does", () => {
  const cases: readonly (readonly [number, string, string])[] = [
    [0, "2026-07-04 12:00:00 +0000 UTC", "2026-07-04T12:00:00Z"],
    [1, "2026-07-04 12:00:00.000000001 +0000 UTC", "2026-07-04T12:00:00.000000001Z"],
    [100_000_000, "2026-07-04 12:00:00.1 +0000 UTC", "2026-07-04T12:00:00.1Z"],
    [120_000_000, "2026-07-04 12:00:00.12 +0000 UTC", "2026-07-04T12:00:00.12Z"],
    [999_999_999, "2026-07-04 12:00:00.999999999 +0000 UTC", "2026-07-04T12:00:00.999999999Z"],
  ];
  for (const [nanos, go, nano] of cases) {
    check("go", [[JUL, nanos, "UTC", go]]);
    check("rfc3339nano", [[JUL, nanos, "UTC", nano]]);
  }
});

Deno.test("formatInstant() appends Go's m= field from the monotonic reading", () => {
  const utc = resolveZone("UTC");
  const epoch: Instant = { seconds: 0, nanos: 0 };
  const cases: readonly (readonly [number, string])[] = [
    [12_345_678_901, " m=+12.345678901"],
    [1_500_000_000, " m=+1.500000000"],
    [0, " m=+0.000000000"],
    [999, " m=+0.000000999"],
    [-1, " m=-0.000000001"],
    [-2_000_000_001, " m=-2.000000001"],
  ];
  for (const [monotonic, suffix] of cases) {
    assert.equal(
      formatInstant("go", epoch, utc, monotonic),
      "1970-01-01 00:00:00 +0000 UTC" + suffix,
    );
    assert.equal(
      getFormat("go")!.render(epoch, utc, monotonic),
      "1970-01-01 00:00:00 +0000 UTC" + suffix,
    );
  }
  assert.equal(formatInstant("go", epoch, utc), "1970-01-01 00:00:00 +0000 UTC");
  assert.equal(getFormat("go")!.render(epoch, utc, NaN), "1970-01-01 00:00:00 +0000 UTC");
});

Deno.test("formatInstant() renders rfc3339 as Go's RFC3339", () => {
  check("rfc3339", [
    [NOV, NOV_NS, "UTC", "2026-11-21T09:54:05Z"],
    [NOV, NOV_NS, "Europe/Paris", "2026-11-21T10:54:05+01:00"],
    [NOV, NOV_NS, "America/New_York", "2026-11-21T04:54:05-05:00"],
    [NOV, NOV_NS, "+05:30", "2026-11-21T15:24:05+05:30"],
    [NOV, NOV_NS, "-08:00", "2026-11-21T01:54:05-08:00"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "2026-03-29T01:59:59+01:00"],
    [PARIS_SPRING, 0, "Europe/Paris", "2026-03-29T03:00:00+02:00"],
    [NY_FALL - 1, 500_000_000, "America/New_York", "2026-11-01T01:59:59-04:00"],
    [NY_FALL, 0, "America/New_York", "2026-11-01T01:00:00-05:00"],
    [APOLLO, 250_000_000, "UTC", "1969-07-20T20:17:40Z"],
    [-2, 500_000_000, "UTC", "1969-12-31T23:59:58Z"],
  ]);
});

Deno.test("formatInstant() renders rfc3339nano as Go's RFC3339Nano", () => {
  check("rfc3339nano", [
    [NOV, NOV_NS, "UTC", "2026-11-21T09:54:05.123456789Z"],
    [NOV, NOV_NS, "Europe/Paris", "2026-11-21T10:54:05.123456789+01:00"],
    [NOV, NOV_NS, "America/New_York", "2026-11-21T04:54:05.123456789-05:00"],
    [NOV, NOV_NS, "+05:30", "2026-11-21T15:24:05.123456789+05:30"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "2026-03-29T01:59:59.999999999+01:00"],
    [PARIS_SPRING, 0, "Europe/Paris", "2026-03-29T03:00:00+02:00"],
    [NY_FALL - 1, 500_000_000, "America/New_York", "2026-11-01T01:59:59.5-04:00"],
    [APOLLO, 250_000_000, "America/New_York", "1969-07-20T16:17:40.25-04:00"],
    [-2, 500_000_000, "-08:00", "1969-12-31T15:59:58.5-08:00"],
  ]);
});

Deno.test("formatInstant() renders iso8601 as GNU date --iso-8601=ns", () => {
  check("iso8601", [
    [NOV, NOV_NS, "UTC", "2026-11-21T09:54:05,123456789+00:00"],
    [NOV, NOV_NS, "Europe/Paris", "2026-11-21T10:54:05,123456789+01:00"],
    [NOV, NOV_NS, "America/New_York", "2026-11-21T04:54:05,123456789-05:00"],
    [NOV, NOV_NS, "+05:30", "2026-11-21T15:24:05,123456789+05:30"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "2026-03-29T01:59:59,999999999+01:00"],
    [PARIS_SPRING, 0, "Europe/Paris", "2026-03-29T03:00:00,000000000+02:00"],
    [NY_FALL - 1, 500_000_000, "America/New_York", "2026-11-01T01:59:59,500000000-04:00"],
    [NY_FALL, 0, "America/New_York", "2026-11-01T01:00:00,000000000-05:00"],
    [-2, 500_000_000, "UTC", "1969-12-31T23:59:58,500000000+00:00"],
  ]);
});

Deno.test("formatInstant() renders iso8601-ordinal with the day of the year", () => {
  check("iso8601-ordinal", [
    [NOV, NOV_NS, "UTC", "2026-325T09:54:05,123456789+00:00"],
    [NOV, NOV_NS, "America/New_York", "2026-325T04:54:05,123456789-05:00"],
    [PARIS_SPRING, 0, "Europe/Paris", "2026-088T03:00:00,000000000+02:00"],
    [JUL, 0, "Europe/Paris", "2026-185T14:00:00,000000000+02:00"],
    [1_609_372_800, 0, "UTC", "2020-366T00:00:00,000000000+00:00"],
    [1_609_632_000, 0, "UTC", "2021-003T00:00:00,000000000+00:00"],
    [-2, 500_000_000, "UTC", "1969-365T23:59:58,500000000+00:00"],
    [APOLLO, 250_000_000, "America/New_York", "1969-201T16:17:40,250000000-04:00"],
  ]);
});

Deno.test("formatInstant() renders iso8601-week with ISO week-year rules", () => {
  check("iso8601-week", [
    [NOV, NOV_NS, "UTC", "2026-W47-6T09:54:05,123456789+00:00"],
    [NOV, NOV_NS, "+05:30", "2026-W47-6T15:24:05,123456789+05:30"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "2026-W13-7T01:59:59,999999999+01:00"],
    [NY_FALL, 0, "America/New_York", "2026-W44-7T01:00:00,000000000-05:00"],
    // 2020-12-31 (Thursday): week 53 of 2020.
    [1_609_372_800, 0, "UTC", "2020-W53-4T00:00:00,000000000+00:00"],
    // 2021-01-03 (Sunday): still in 2020's week 53.
    [1_609_632_000, 0, "UTC", "2020-W53-7T00:00:00,000000000+00:00"],
    // 2021-01-04 (Monday): week 1 of 2021.
    [1_609_718_400, 0, "UTC", "2021-W01-1T00:00:00,000000000+00:00"],
    // 2024-12-30 (Monday): week 1 of 2025.
    [1_735_516_800, 0, "UTC", "2025-W01-1T00:00:00,000000000+00:00"],
    // 2027-01-01 (Friday): week 53 of 2026.
    [1_798_761_600, 0, "UTC", "2026-W53-5T00:00:00,000000000+00:00"],
    // 2020-01-01 (Wednesday): week 1 of 2020.
    [1_577_836_800, 0, "UTC", "2020-W01-3T00:00:00,000000000+00:00"],
    // 1969-12-31 (Wednesday): week 1 of 1970.
    [-2, 500_000_000, "UTC", "1970-W01-3T23:59:58,500000000+00:00"],
    // Local date decides: 2026-01-01T02:00Z is still 2025-12-31 in New York.
    [1_767_232_800, 0, "America/New_York", "2026-W01-3T21:00:00,000000000-05:00"],
  ]);
});

Deno.test("formatInstant() renders unix, unixms, unixus and unixns floored", () => {
  const cases: readonly (readonly [number, number, string, string, string, string])[] = [
    [NOV, NOV_NS, "1795254845", "1795254845123", "1795254845123456", "1795254845123456789"],
    [0, 0, "0", "0", "0", "0"],
    [0, 1, "0", "0", "0", "1"],
    [-1, 999_999_999, "-1", "-1", "-1", "-1"],
    [-1, 0, "-1", "-1000", "-1000000", "-1000000000"],
    [-2, 500_000_000, "-2", "-1500", "-1500000", "-1500000000"],
    [APOLLO, 250_000_000, "-14182940", "-14182939750", "-14182939750000", "-14182939750000000"],
    [2_085_978_496, 1, "2085978496", "2085978496000", "2085978496000000", "2085978496000000001"],
  ];
  for (const [seconds, nanos, unix, ms, us, ns] of cases) {
    for (const zone of ["UTC", "Europe/Paris", "+05:30"]) {
      check("unix", [[seconds, nanos, zone, unix]]);
      check("unixms", [[seconds, nanos, zone, ms]]);
      check("unixus", [[seconds, nanos, zone, us]]);
      check("unixns", [[seconds, nanos, zone, ns]]);
    }
  }
});

Deno.test("formatInstant() renders rfc1123 as Go's RFC1123, in the zone asked for", () => {
  check("rfc1123", [
    [NOV, NOV_NS, "UTC", "Sat, 21 Nov 2026 09:54:05 UTC"],
    [NOV, NOV_NS, "GMT", "Sat, 21 Nov 2026 09:54:05 GMT"],
    [NOV, NOV_NS, "Europe/Paris", "Sat, 21 Nov 2026 10:54:05 CET"],
    [NOV, NOV_NS, "+05:30", "Sat, 21 Nov 2026 15:24:05 +0530"],
    [NY_SPRING - 1, 999_999_999, "America/New_York", "Sun, 08 Mar 2026 01:59:59 EST"],
    [NY_SPRING, 0, "America/New_York", "Sun, 08 Mar 2026 03:00:00 EDT"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "Sun, 29 Mar 2026 01:59:59 CET"],
    [PARIS_SPRING, 0, "Europe/Paris", "Sun, 29 Mar 2026 03:00:00 CEST"],
    [APOLLO, 250_000_000, "America/New_York", "Sun, 20 Jul 1969 16:17:40 EDT"],
    [-2, 500_000_000, "-08:00", "Wed, 31 Dec 1969 15:59:58 -0800"],
  ]);
});

Deno.test("formatInstant() renders http as the HTTP date (IMF-fixdate), always GMT", () => {
  check("http", [
    [NOV, NOV_NS, "UTC", "Sat, 21 Nov 2026 09:54:05 GMT"],
    [NOV, NOV_NS, "Europe/Paris", "Sat, 21 Nov 2026 09:54:05 GMT"],
    [NOV, NOV_NS, "+05:30", "Sat, 21 Nov 2026 09:54:05 GMT"],
    [JUL, 0, "UTC", "Sat, 04 Jul 2026 12:00:00 GMT"],
    [NY_SPRING, 0, "America/New_York", "Sun, 08 Mar 2026 07:00:00 GMT"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "Sun, 29 Mar 2026 00:59:59 GMT"],
    [APOLLO, 250_000_000, "America/New_York", "Sun, 20 Jul 1969 20:17:40 GMT"],
    [-2, 500_000_000, "-08:00", "Wed, 31 Dec 1969 23:59:58 GMT"],
  ]);
});

Deno.test("formatInstant() renders rfc2822 as Go's RFC1123Z", () => {
  check("rfc2822", [
    [NOV, NOV_NS, "UTC", "Sat, 21 Nov 2026 09:54:05 +0000"],
    [NOV, NOV_NS, "Europe/Paris", "Sat, 21 Nov 2026 10:54:05 +0100"],
    [NOV, NOV_NS, "+05:30", "Sat, 21 Nov 2026 15:24:05 +0530"],
    [NY_SPRING - 1, 999_999_999, "America/New_York", "Sun, 08 Mar 2026 01:59:59 -0500"],
    [NY_SPRING, 0, "America/New_York", "Sun, 08 Mar 2026 03:00:00 -0400"],
    [PARIS_SPRING, 0, "Europe/Paris", "Sun, 29 Mar 2026 03:00:00 +0200"],
    [-2, 500_000_000, "UTC", "Wed, 31 Dec 1969 23:59:58 +0000"],
  ]);
});

Deno.test("formatInstant() renders rfc850 as Go's RFC850", () => {
  check("rfc850", [
    [NOV, NOV_NS, "UTC", "Saturday, 21-Nov-26 09:54:05 UTC"],
    [NOV, NOV_NS, "Europe/Paris", "Saturday, 21-Nov-26 10:54:05 CET"],
    [NOV, NOV_NS, "+05:30", "Saturday, 21-Nov-26 15:24:05 +0530"],
    [PARIS_SPRING - 1, 999_999_999, "Europe/Paris", "Sunday, 29-Mar-26 01:59:59 CET"],
    [PARIS_SPRING, 0, "Europe/Paris", "Sunday, 29-Mar-26 03:00:00 CEST"],
    [NY_FALL, 0, "America/New_York", "Sunday, 01-Nov-26 01:00:00 EST"],
    [APOLLO, 250_000_000, "UTC", "Sunday, 20-Jul-69 20:17:40 UTC"],
    [-2, 500_000_000, "-08:00", "Wednesday, 31-Dec-69 15:59:58 -0800"],
  ]);
});

Deno.test("formatInstant() renders ansic as Go's ANSIC, day space-padded", () => {
  check("ansic", [
    [NOV, NOV_NS, "UTC", "Sat Nov 21 09:54:05 2026"],
    [NOV, NOV_NS, "Europe/Paris", "Sat Nov 21 10:54:05 2026"],
    [NOV, NOV_NS, "+05:30", "Sat Nov 21 15:24:05 2026"],
    [JUL, 0, "UTC", "Sat Jul  4 12:00:00 2026"],
    [NY_SPRING - 1, 999_999_999, "America/New_York", "Sun Mar  8 01:59:59 2026"],
    [NY_SPRING, 0, "America/New_York", "Sun Mar  8 03:00:00 2026"],
    [-2, 500_000_000, "UTC", "Wed Dec 31 23:59:58 1969"],
  ]);
});

Deno.test("formatInstant() renders unixdate as Go's UnixDate", () => {
  check("unixdate", [
    [NOV, NOV_NS, "UTC", "Sat Nov 21 09:54:05 UTC 2026"],
    [NOV, NOV_NS, "Europe/Paris", "Sat Nov 21 10:54:05 CET 2026"],
    [NOV, NOV_NS, "America/New_York", "Sat Nov 21 04:54:05 EST 2026"],
    [NOV, NOV_NS, "-08:00", "Sat Nov 21 01:54:05 -0800 2026"],
    [JUL, 0, "Europe/Paris", "Sat Jul  4 14:00:00 CEST 2026"],
    [NY_FALL - 1, 500_000_000, "America/New_York", "Sun Nov  1 01:59:59 EDT 2026"],
    [NY_FALL, 0, "America/New_York", "Sun Nov  1 01:00:00 EST 2026"],
    [APOLLO, 250_000_000, "America/New_York", "Sun Jul 20 16:17:40 EDT 1969"],
  ]);
});

Deno.test("formatInstant() renders daytime in RFC 867's suggested syntax", () => {
  check("daytime", [
    [NOV, NOV_NS, "UTC", "Saturday, November 21, 2026 09:54:05-UTC"],
    [NOV, NOV_NS, "Europe/Paris", "Saturday, November 21, 2026 10:54:05-CET"],
    [NOV, NOV_NS, "America/New_York", "Saturday, November 21, 2026 04:54:05-EST"],
    // A numeric abbreviation follows the time directly.
    [NOV, NOV_NS, "+05:30", "Saturday, November 21, 2026 15:24:05+0530"],
    [PARIS_SPRING, 0, "Europe/Paris", "Sunday, March 29, 2026 03:00:00-CEST"],
    [NY_FALL - 1, 500_000_000, "America/New_York", "Sunday, November 1, 2026 01:59:59-EDT"],
    [JUL, 0, "Europe/Paris", "Saturday, July 4, 2026 14:00:00-CEST"],
    [-2, 500_000_000, "UTC", "Wednesday, December 31, 1969 23:59:58-UTC"],
  ]);
});

Deno.test("formatInstant() writes tzdata's historical abbreviations: London's BST of 1970", () => {
  // 1968-10-27 to 1971-10-31: British Standard Time, +01:00 all year, "BST" in tzdata.
  check("go", [[0, 0, "Europe/London", "1970-01-01 01:00:00 +0100 BST"]]);
  check("rfc850", [[0, 0, "Europe/London", "Thursday, 01-Jan-70 01:00:00 BST"]]);
  check("unixdate", [[0, 0, "Europe/London", "Thu Jan  1 01:00:00 BST 1970"]]);
  check("daytime", [[0, 0, "Europe/London", "Thursday, January 1, 1970 01:00:00-BST"]]);
  check("rfc1123", [[0, 0, "Europe/London", "Thu, 01 Jan 1970 01:00:00 BST"]]);
  // Before and after: GMT in winter, as everywhere else in London's history.
  check("go", [
    [-62_208_000, 0, "Europe/London", "1968-01-12 00:00:00 +0000 GMT"],
    [60_000_000, 0, "Europe/London", "1971-11-26 10:40:00 +0000 GMT"],
  ]);
});

Deno.test("formatInstant() renders nist in NIST's layout labelled UTC(clockd)", () => {
  check("nist", [
    [NOV, NOV_NS, "UTC", "61365 26-11-21 09:54:05 00 0 0   0.0 UTC(clockd) *"],
    [NOV, NOV_NS, "Europe/Paris", "61365 26-11-21 09:54:05 00 0 0   0.0 UTC(clockd) *"],
    [NOV, NOV_NS, "-08:00", "61365 26-11-21 09:54:05 00 0 0   0.0 UTC(clockd) *"],
    [0, 0, "UTC", "40587 70-01-01 00:00:00 00 0 0   0.0 UTC(clockd) *"],
    [-2, 500_000_000, "UTC", "40586 69-12-31 23:59:58 00 0 0   0.0 UTC(clockd) *"],
  ]);
});

Deno.test("nistDaytime() counts the US DST code down as NIST documents", () => {
  // [seconds, expected line]: dates around the US changes of 2026 (Mar 8,
  // Nov 1), 2025 (Nov 2), 1999 (Apr 4, Oct 31) and 1974–1975 (Jan 6, Feb 23).
  const cases: readonly (readonly [number, string])[] = [
    [1_772_280_000, "61099 26-02-28 12:00:00 00 0 0   0.0 UTC(clockd) *"],
    [1_772_366_400, "61100 26-03-01 12:00:00 58 0 0   0.0 UTC(clockd) *"],
    [1_772_884_800, "61106 26-03-07 12:00:00 52 0 0   0.0 UTC(clockd) *"],
    [1_772_971_200, "61107 26-03-08 12:00:00 51 0 0   0.0 UTC(clockd) *"],
    [1_773_014_400, "61108 26-03-09 00:00:00 50 0 0   0.0 UTC(clockd) *"],
    [1_783_166_400, "61225 26-07-04 12:00:00 50 0 0   0.0 UTC(clockd) *"],
    [1_793_491_199, "61344 26-10-31 23:59:59 50 0 0   0.0 UTC(clockd) *"],
    [1_793_534_400, "61345 26-11-01 12:00:00 01 0 0   0.0 UTC(clockd) *"],
    [1_793_577_600, "61346 26-11-02 00:00:00 00 0 0   0.0 UTC(clockd) *"],
    [1_761_998_400, "60980 25-11-01 12:00:00 02 0 0   0.0 UTC(clockd) *"],
    // NIST's own server answered "16" here; its documentation says 50 until November.
    [1_760_770_159, "60966 25-10-18 06:49:19 50 0 0   0.0 UTC(clockd) *"],
    [922_968_000, "51269 99-04-01 12:00:00 54 0 0   0.0 UTC(clockd) *"],
    [938_779_200, "51452 99-10-01 12:00:00 31 0 0   0.0 UTC(clockd) *"],
    [126_619_200, "42052 74-01-05 12:00:00 52 0 0   0.0 UTC(clockd) *"],
    [160_488_000, "42444 75-02-01 12:00:00 73 0 0   0.0 UTC(clockd) *"],
  ];
  for (const [seconds, expected] of cases) {
    assert.equal(nistDaytime({ seconds, nanos: 0 }), expected);
  }
});

Deno.test("nistDaytime() sets the leap-second flag in months ending with one", () => {
  const cases: readonly (readonly [number, string])[] = [
    [1_480_507_200, "57722 16-11-30 12:00:00 00 0 0   0.0 UTC(clockd) *"],
    [1_481_803_200, "57737 16-12-15 12:00:00 00 1 0   0.0 UTC(clockd) *"],
    [1_435_708_799, "57203 15-06-30 23:59:59 50 1 0   0.0 UTC(clockd) *"],
    [1_435_708_800, "57204 15-07-01 00:00:00 50 0 0   0.0 UTC(clockd) *"],
  ];
  for (const [seconds, expected] of cases) {
    assert.equal(nistDaytime({ seconds, nanos: 0 }), expected);
  }
});

Deno.test("formatInstant() renders mjd and jd with eight decimals, floored", () => {
  const cases: readonly (readonly [number, number, string, string])[] = [
    [NOV, NOV_NS, "61365.41255929", "2461365.91255929"],
    [JUL, 500_000_000, "61225.50000578", "2461226.00000578"],
    [0, 0, "40587.00000000", "2440587.50000000"],
    [-1, 999_999_999, "40586.99999999", "2440587.49999999"],
    [-1, 0, "40586.99998842", "2440587.49998842"],
    [APOLLO, 250_000_000, "40422.84560474", "2440423.34560474"],
    [946_684_800, 0, "51544.00000000", "2451544.50000000"],
    [-2_208_988_801, 0, "15019.99998842", "2415020.49998842"],
    // 1858-11-16T12:00:00Z: MJD -0.5; 1858-11-16T00:00:00Z: MJD -1.
    [-3_506_760_000, 0, "-0.50000000", "2400000.00000000"],
    [-3_506_803_200, 0, "-1.00000000", "2399999.50000000"],
  ];
  for (const [seconds, nanos, mjd, jd] of cases) {
    for (const zone of ["UTC", "America/New_York"]) {
      check("mjd", [[seconds, nanos, zone, mjd]]);
      check("jd", [[seconds, nanos, zone, jd]]);
    }
  }
});

Deno.test("formatInstant() renders ntp across the 2036 era boundary", () => {
  check("ntp", [
    [NOV, NOV_NS, "UTC", "eeabe8bd.1f9add37"],
    [JUL, 500_000_000, "Europe/Paris", "edf37440.80000000"],
    [0, 0, "UTC", "83aa7e80.00000000"],
    [-1, 999_999_999, "UTC", "83aa7e7f.fffffffb"],
    [APOLLO, 250_000_000, "UTC", "82d21464.40000000"],
    // 1900-01-01T00:00:00Z, the prime epoch, and the second before it.
    [-2_208_988_800, 0, "UTC", "00000000.00000000"],
    [-2_208_988_801, 0, "UTC", "ffffffff.00000000"],
    // 2036-02-07T06:28:16Z starts era 1.
    [2_085_978_495, 999_999_999, "UTC", "ffffffff.fffffffb"],
    [2_085_978_496, 0, "UTC", "00000000.00000000"],
    [2_085_978_496, 1, "+05:30", "00000000.00000004"],
  ]);
});

Deno.test("formatInstant() renders tai64n with the leap-second table", () => {
  check("tai64n", [
    [NOV, NOV_NS, "UTC", "@400000006b016a62075bcd15"],
    [NOV, NOV_NS, "Europe/Paris", "@400000006b016a62075bcd15"],
    [0, 0, "UTC", "@400000000000000a00000000"],
    [-1, 999_999_999, "UTC", "@40000000000000093b9ac9ff"],
    [APOLLO, 250_000_000, "UTC", "@3fffffffff2795ee0ee6b280"],
    // 1972-01-01 (10 s), 1972-07-01 (11 s), 2015-07-01 (36 s), 2017-01-01 (37 s).
    [63_071_999, 0, "UTC", "@4000000003c2670900000000"],
    [63_072_000, 0, "UTC", "@4000000003c2670a00000000"],
    [78_796_799, 0, "UTC", "@4000000004b2580900000000"],
    [78_796_800, 0, "UTC", "@4000000004b2580b00000000"],
    [1_435_708_799, 0, "UTC", "@4000000055932da200000000"],
    [1_435_708_800, 0, "UTC", "@4000000055932da400000000"],
    [1_483_228_799, 999_999_999, "UTC", "@40000000586846a33b9ac9ff"],
    [1_483_228_800, 0, "UTC", "@40000000586846a500000000"],
  ]);
});

Deno.test("taiMinusUtc() steps at every leap second since 1972", () => {
  // [Unix second, TAI - UTC], from leap-seconds.list.
  const cases: readonly (readonly [number, number])[] = [
    [-1_000_000_000, 10],
    [63_071_999, 10],
    [63_072_000, 10],
    [78_796_799, 10],
    [78_796_800, 11],
    [915_148_799, 31],
    [915_148_800, 32],
    [1_136_073_599, 32],
    [1_136_073_600, 33],
    [1_483_228_799, 36],
    [1_483_228_800, 37],
    [4_000_000_000, 37],
  ];
  for (const [seconds, expected] of cases) {
    assert.equal(taiMinusUtc(seconds), expected, `${seconds}`);
  }
  assert.equal(LEAP_SECONDS.length, 28);
  assert.deepEqual(LEAP_SECONDS[0], { unixSeconds: 63_072_000, taiMinusUtc: 10 });
  assert.deepEqual(LEAP_SECONDS[27], { unixSeconds: 1_483_228_800, taiMinusUtc: 37 });
});

Deno.test("formatInstant() renders json with the instant's key fields", () => {
  check("json", [
    [
      NOV,
      NOV_NS,
      "Europe/Paris",
      '{"unix":1795254845,"unixns":"1795254845123456789",' +
      '"rfc3339nano":"2026-11-21T10:54:05.123456789+01:00","zone":"Europe/Paris",' +
      '"abbreviation":"CET","offset":3600,"mjd":61365.41255929,"ntp":"eeabe8bd.1f9add37",' +
      '"tai64n":"@400000006b016a62075bcd15"}',
    ],
    [
      -2,
      500_000_000,
      "-08:00",
      '{"unix":-2,"unixns":"-1500000000","rfc3339nano":"1969-12-31T15:59:58.5-08:00",' +
      '"zone":"-08:00","abbreviation":"-0800","offset":-28800,"mjd":40586.99998263,' +
      '"ntp":"83aa7e7e.80000000","tai64n":"@40000000000000081dcd6500"}',
    ],
  ]);
  const parsed = JSON.parse(
    formatInstant("json", { seconds: NOV, nanos: NOV_NS }, resolveZone("UTC")),
  );
  assert.equal(parsed.unixns, "1795254845123456789");
  assert.equal(parsed.zone, "UTC");
});

// 2016-12-31T23:59:59.5Z: during the inserted leap second the kernel shows it again.
const LEAP_59 = 1_483_228_799;
/** The built-in table plus a second inserted at 2026-12-01T00:00:00Z (TAI-UTC 38). */
const ANNOUNCED = [...LEAP_SECONDS, { unixSeconds: 1_796_083_200, taiMinusUtc: 38 }];

Deno.test("formatInstant() writes second 60 in the inserted leap second only when told", () => {
  const leap = { insertedLeapSecond: true };
  // [format, zone, expected with the flag]; without it each writes :59.
  const cases: readonly (readonly [string, string, string])[] = [
    ["go", "UTC", "2016-12-31 23:59:60.5 +0000 UTC"],
    ["go", "Europe/Paris", "2017-01-01 00:59:60.5 +0100 CET"],
    ["rfc3339", "UTC", "2016-12-31T23:59:60Z"],
    ["rfc3339", "America/New_York", "2016-12-31T18:59:60-05:00"],
    ["rfc3339nano", "UTC", "2016-12-31T23:59:60.5Z"],
    ["iso8601", "UTC", "2016-12-31T23:59:60,500000000+00:00"],
    ["iso8601-ordinal", "UTC", "2016-366T23:59:60,500000000+00:00"],
    ["iso8601-week", "UTC", "2016-W52-6T23:59:60,500000000+00:00"],
    ["rfc1123", "Europe/Paris", "Sun, 01 Jan 2017 00:59:60 CET"],
    ["http", "Europe/Paris", "Sat, 31 Dec 2016 23:59:60 GMT"],
    ["rfc2822", "UTC", "Sat, 31 Dec 2016 23:59:60 +0000"],
    ["rfc850", "UTC", "Saturday, 31-Dec-16 23:59:60 UTC"],
    ["ansic", "UTC", "Sat Dec 31 23:59:60 2016"],
    ["unixdate", "UTC", "Sat Dec 31 23:59:60 UTC 2016"],
    ["daytime", "UTC", "Saturday, December 31, 2016 23:59:60-UTC"],
    ["nist", "UTC", "57753 16-12-31 23:59:60 00 1 0   0.0 UTC(clockd) *"],
    ["tai64n", "UTC", "@40000000586846a41dcd6500"],
    ["unix", "UTC", "1483228799"],
    ["unixns", "UTC", "1483228799500000000"],
    ["ntp", "UTC", "dc12c4ff.80000000"],
    ["mjd", "UTC", "57753.99999421"],
  ];
  const instant = { seconds: LEAP_59, nanos: 500_000_000 };
  for (const [format, zone, expected] of cases) {
    const z = resolveZone(zone);
    assert.equal(formatInstant(format, instant, z, NaN, leap), expected, `${format} in ${zone}`);
    const plain = formatInstant(format, instant, z);
    if (["tai64n", "unix", "unixns", "ntp", "mjd"].includes(format)) {
      assert.equal(plain, format === "tai64n" ? "@40000000586846a31dcd6500" : expected, format);
    } else {
      assert.equal(plain, expected.replace(":60", ":59"), `${format} in ${zone} without the flag`);
    }
  }
  const json = JSON.parse(formatInstant("json", instant, UTC_ZONE, NaN, leap));
  assert.equal(json.rfc3339nano, "2016-12-31T23:59:60.5Z");
  assert.equal(json.tai64n, "@40000000586846a41dcd6500");
  assert.equal(json.unix, LEAP_59);
});

Deno.test("formatInstant() ignores the leap-second flag on a second other than :59", () => {
  const instant = { seconds: LEAP_59 + 1, nanos: 0 };
  const context = { insertedLeapSecond: true };
  assert.equal(formatInstant("rfc3339", instant, UTC_ZONE, NaN, context), "2017-01-01T00:00:00Z");
  assert.equal(
    formatInstant("tai64n", instant, UTC_ZONE, NaN, context),
    "@40000000586846a500000000",
  );
});

Deno.test("formatInstant() takes tai64n and nist's L flag from the table in the context", () => {
  const context = { leapSeconds: ANNOUNCED };
  // 2026-11-30T12:00:00Z and 2026-12-01T00:00:00Z.
  const before = { seconds: 1_796_040_000, nanos: 0 };
  const after = { seconds: 1_796_083_200, nanos: 0 };
  assert.equal(formatInstant("tai64n", after, UTC_ZONE), "@400000006b0e0e2500000000");
  assert.equal(formatInstant("tai64n", after, UTC_ZONE, NaN, context), "@400000006b0e0e2600000000");
  assert.equal(
    formatInstant("tai64n", before, UTC_ZONE, NaN, context),
    "@400000006b0d656500000000",
  );
  assert.equal(
    formatInstant("nist", before, UTC_ZONE, NaN, context),
    "61374 26-11-30 12:00:00 00 1 0   0.0 UTC(clockd) *",
  );
  assert.equal(nistDaytime(before), "61374 26-11-30 12:00:00 00 0 0   0.0 UTC(clockd) *");
  assert.equal(
    JSON.parse(formatInstant("json", after, UTC_ZONE, NaN, context)).tai64n,
    "@400000006b0e0e2600000000",
  );
  assert.equal(
    getFormat("tai64n")!.render(after, UTC_ZONE, NaN, context),
    "@400000006b0e0e2600000000",
  );
});

Deno.test("FORMATS lists lower-case names once, go first", () => {
  const names = FORMATS.map((format) => format.name);
  assert.equal(names[0], "go");
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.equal(name, name.toLowerCase());
  for (
    const required of [
      "unix",
      "unixms",
      "unixus",
      "unixns",
      "rfc3339",
      "rfc3339nano",
      "iso8601",
      "iso8601-ordinal",
      "iso8601-week",
      "rfc1123",
      "http",
      "rfc2822",
      "rfc850",
      "ansic",
      "unixdate",
      "daytime",
      "nist",
      "mjd",
      "jd",
      "ntp",
      "tai64n",
      "json",
    ]
  ) {
    assert.ok(names.includes(required), required);
  }
  for (const format of FORMATS) {
    assert.ok(format.summary.length > 0 && !format.summary.includes("\n"), format.name);
  }
});

const PROPERTY_INSTANTS: readonly Instant[] = [
  { seconds: NOV, nanos: 0 },
  { seconds: PARIS_SPRING - 1, nanos: 0 },
  { seconds: NY_FALL, nanos: 0 },
  { seconds: -2, nanos: 0 },
  { seconds: 2_085_978_496, nanos: 0 },
];
const PROPERTY_ZONES = ["UTC", "Europe/Paris", "America/New_York", "+05:30", "Asia/Kathmandu"];

Deno.test("FORMATS output is one line of printable ASCII", () => {
  for (const format of FORMATS) {
    for (const { seconds } of PROPERTY_INSTANTS) {
      for (const zone of PROPERTY_ZONES) {
        const text = format.render({ seconds, nanos: 123_456_789 }, resolveZone(zone), 42);
        assert.match(text, /^[\x20-\x7e]+$/, `${format.name} in ${zone}`);
      }
    }
  }
});

Deno.test("FORMATS whole-second formats ignore the nanoseconds", () => {
  for (const format of FORMATS) {
    for (const { seconds } of PROPERTY_INSTANTS) {
      for (const zone of PROPERTY_ZONES) {
        const z = resolveZone(zone);
        const start = format.render({ seconds, nanos: 0 }, z, 7);
        const end = format.render({ seconds, nanos: 999_999_999 }, z, 7);
        if (format.resolutionNanos >= 1e9) assert.equal(end, start, format.name);
        else assert.notEqual(end, start, format.name);
      }
    }
  }
});

Deno.test("FORMATS unzoned formats ignore the zone", () => {
  for (const format of FORMATS) {
    for (const instant of PROPERTY_INSTANTS) {
      const outputs = new Set(
        PROPERTY_ZONES.map((zone) => format.render(instant, resolveZone(zone), 0)),
      );
      assert.equal(outputs.size === 1, !format.zoned, format.name);
    }
  }
});

Deno.test("FORMATS says which formats are zone-less by definition", () => {
  const zoneless = FORMATS.filter((format) => !format.zoned).map((format) => format.name);
  assert.deepEqual(zoneless, [
    "unix",
    "unixms",
    "unixus",
    "unixns",
    "http",
    "nist",
    "mjd",
    "jd",
    "ntp",
    "tai64n",
  ]);
  for (const format of FORMATS) {
    assert.equal(/\bzone ignored\b/.test(format.summary), !format.zoned, format.summary);
  }
});

Deno.test("getFormat() is case-insensitive and knows timestamp", () => {
  assert.equal(getFormat("RFC3339")?.name, "rfc3339");
  assert.equal(getFormat("Go")?.name, "go");
  assert.equal(getFormat("ISO8601-Week")?.name, "iso8601-week");
  assert.equal(getFormat("timestamp")?.name, "unix");
  assert.equal(getFormat("TimeStamp"), getFormat("unix"));
  assert.equal(getFormat("nope"), undefined);
  assert.equal(getFormat(""), undefined);
});

Deno.test("formatInstant() rejects an unknown format", () => {
  const utc = resolveZone("UTC");
  assert.throws(() => formatInstant("x", { seconds: 0, nanos: 0 }, utc), {
    name: "RangeError",
    message: 'unknown format "x"',
  });
  assert.throws(() => formatInstant("rfc3339x", { seconds: 0, nanos: 0 }, utc), {
    name: "RangeError",
    message: 'unknown format "rfc3339x"',
  });
});
