/**
 * `IERS_2025_07` keeps every line of tzdata 2025b's
 * `/usr/share/zoneinfo/leap-seconds.list` (IERS, updated 2025-07-07) that the
 * hash covers, and a few of its comments; its `#h` line is the file's own, so
 * the verification is checked against what the IERS published.
 */

import assert from "node:assert/strict";
import {
  judgeLeapSecondsList,
  leapSecondsListHash,
  parseLeapSecondsList,
} from "../src/time/leap_seconds_list.ts";
import { LEAP_SECONDS } from "../src/time/leap_table.ts";
import { leapSecondsListText } from "./_leap_files.ts";

const IERS_2025_07 = `#	ATOMIC TIME
#	The following line shows the last update of this file in NTP timestamp:
#
#$	3960835200
#@	3991593600
#
#NTP Time      DTAI    Day Month Year
2272060800      10      # 1 Jan 1972
2287785600      11      # 1 Jul 1972
2303683200      12      # 1 Jan 1973
2335219200      13      # 1 Jan 1974
2366755200      14      # 1 Jan 1975
2398291200      15      # 1 Jan 1976
2429913600      16      # 1 Jan 1977
2461449600      17      # 1 Jan 1978
2492985600      18      # 1 Jan 1979
2524521600      19      # 1 Jan 1980
2571782400      20      # 1 Jul 1981
2603318400      21      # 1 Jul 1982
2634854400      22      # 1 Jul 1983
2698012800      23      # 1 Jul 1985
2776982400      24      # 1 Jan 1988
2840140800      25      # 1 Jan 1990
2871676800      26      # 1 Jan 1991
2918937600      27      # 1 Jul 1992
2950473600      28      # 1 Jul 1993
2982009600      29      # 1 Jul 1994
3029443200      30      # 1 Jan 1996
3076704000      31      # 1 Jul 1997
3124137600      32      # 1 Jan 1999
3345062400      33      # 1 Jan 2006
3439756800      34      # 1 Jan 2009
3550089600      35      # 1 Jul 2012
3644697600      36      # 1 Jul 2015
3692217600      37      # 1 Jan 2017
#
#h	49db2447 571e5e1b 2f002a53 9c8da8e4 39b8e49e
`;

/** 2025-07-07T00:00:00Z and 2026-06-28T00:00:00Z, the file's `#$` and `#@`. */
const UPDATED = 1_751_846_400;
const EXPIRES = 1_782_604_800;

Deno.test("parseLeapSecondsList() reads the IERS file and its hash verifies", () => {
  const list = parseLeapSecondsList(IERS_2025_07);
  assert.deepEqual(list.entries, LEAP_SECONDS);
  assert.equal(list.updated, UPDATED);
  assert.equal(list.expires, EXPIRES);
  assert.equal(list.declaredHash, "49db2447571e5e1b2f002a539c8da8e439b8e49e");
  assert.equal(list.computedHash, list.declaredHash);
});

Deno.test("leapSecondsListHash() covers the digits of #$, #@ and data lines, nothing else", () => {
  const base = leapSecondsListHash(IERS_2025_07);
  const same = [
    ["comments changed", IERS_2025_07.replace("ATOMIC TIME", "ATOMIC TIME 12345")],
    ["a data comment changed", IERS_2025_07.replace("# 1 Jan 2017", "# 1 January 2017 (37)")],
    ["whitespace changed", IERS_2025_07.replace("3692217600      37", "3692217600 37")],
    ["CRLF line ends", IERS_2025_07.replaceAll("\n", "\r\n")],
    ["the #h line changed", IERS_2025_07.replace("#h\t49db2447", "#h\t00000000")],
  ];
  for (const [name, text] of same) assert.equal(leapSecondsListHash(text), base, name);
  const different = [
    ["an offset changed", IERS_2025_07.replace("3692217600      37", "3692217600      38")],
    ["the expiry changed", IERS_2025_07.replace("3991593600", "3991593601")],
    ["the update changed", IERS_2025_07.replace("3960835200", "3960835201")],
  ];
  for (const [name, text] of different) assert.notEqual(leapSecondsListHash(text), base, name);
});

Deno.test("parseLeapSecondsList() reads CRLF files and NIST's hash words without leading zeros", () => {
  assert.deepEqual(
    parseLeapSecondsList(IERS_2025_07.replaceAll("\n", "\r\n")),
    parseLeapSecondsList(IERS_2025_07),
  );
  // This update time gives a hash whose first word is 0fbb517e; NIST wrote it "fbb517e".
  const text = leapSecondsListText({
    entries: LEAP_SECONDS,
    updated: 1_752_019_200,
    expires: EXPIRES,
  });
  assert.match(text, /^#h\t0fbb517e /m);
  const list = parseLeapSecondsList(text.replace("#h\t0fbb517e", "#h\tFBB517E"));
  assert.equal(list.declaredHash, list.computedHash);
  assert.equal(judgeLeapSecondsList(list, UPDATED).verdict, "ok");
});

Deno.test("parseLeapSecondsList() throws a SyntaxError naming the line of a corrupt file", () => {
  const data = "2272060800 10\n2287785600 11\n";
  const table: [string, string, string][] = [
    ["empty", "", 'no "#$" update line'],
    ["no expiry", "#$ 3960835200\n" + data, 'no "#@" expiry line'],
    ["no update", "#@ 3991593600\n" + data, 'no "#$" update line'],
    ["no data", "#$ 3960835200\n#@ 3991593600\n# only comments\n", "no data lines"],
    [
      "a word",
      "#$ 3960835200\n#@ 3991593600\nleap 10\n",
      'line 3 is not "NTP-seconds TAI-UTC [# comment]"',
    ],
    [
      "one field",
      "#$ 3960835200\n#@ 3991593600\n2272060800\n",
      'line 3 is not "NTP-seconds TAI-UTC [# comment]"',
    ],
    [
      "indented",
      "#$ 3960835200\n#@ 3991593600\n 2272060800 10\n",
      'line 3 is not "NTP-seconds TAI-UTC [# comment]"',
    ],
    [
      "a fraction",
      "#$ 3960835200\n#@ 3991593600\n2272060800 10.5\n",
      'line 3 is not "NTP-seconds TAI-UTC [# comment]"',
    ],
    ["#$ empty", "#$\n#@ 3991593600\n" + data, 'line 1 "#$" needs one NTP timestamp'],
    ["#@ two numbers", "#$ 1\n#@ 3991593600 1\n" + data, 'line 2 "#@" needs one NTP timestamp'],
    ["#$ twice", "#$ 1\n#$ 2\n#@ 3\n" + data, 'line 2 repeats "#$"'],
    ["#@ twice", "#$ 1\n#@ 2\n#@ 3\n" + data, 'line 3 repeats "#@"'],
    ["#h twice", "#$ 1\n#@ 2\n" + data + "#h 1 2 3 4 5\n#h 1 2 3 4 5\n", 'line 6 repeats "#h"'],
    [
      "#h four words",
      "#$ 1\n#@ 2\n" + data + "#h 1 2 3 4\n",
      'line 5 "#h" needs five words of 1 to 8 hex digits',
    ],
    [
      "#h not hex",
      "#$ 1\n#@ 2\n" + data + "#h 1 2 3 4 xyz\n",
      'line 5 "#h" needs five words of 1 to 8 hex digits',
    ],
    [
      "#h word too long",
      "#$ 1\n#@ 2\n" + data + "#h 1 2 3 4 123456789\n",
      'line 5 "#h" needs five words of 1 to 8 hex digits',
    ],
    [
      "not midnight",
      "#$ 1\n#@ 2\n2272060801 10\n",
      "line 3 is not at 00:00:00 UTC (1972-01-01T00:00:01Z)",
    ],
    [
      "out of order",
      "#$ 1\n#@ 2\n2287785600 11\n2272060800 10\n",
      "line 4 is not after the line before",
    ],
    [
      "a repeated time",
      "#$ 1\n#@ 2\n2272060800 10\n2272060800 11\n",
      "line 4 is not after the line before",
    ],
    [
      "a two-second step",
      "#$ 1\n#@ 2\n2272060800 10\n2287785600 12\n",
      "line 4 steps TAI-UTC from 10 to 12, not by one second",
    ],
    [
      "no step",
      "#$ 1\n#@ 2\n2272060800 10\n2287785600 10\n",
      "line 4 steps TAI-UTC from 10 to 10, not by one second",
    ],
    ["a huge number", "#$ 1\n#@ 2\n99999999999999999999 10\n", "line 3 has a number out of range"],
  ];
  for (const [name, text, message] of table) {
    assert.throws(
      () => parseLeapSecondsList(text),
      new SyntaxError(`Cannot parse leap-seconds file: ${message}`),
      name,
    );
  }
});

Deno.test("parseLeapSecondsList() accepts a deletion and comments anywhere", () => {
  const list = parseLeapSecondsList(
    "# header\n\n#$ 1\n  \n#@ 2\n2272060800 10 # start\n# between\n2287785600 9\t#  deleted\n",
  );
  assert.deepEqual(list.entries, [
    { unixSeconds: 63_072_000, taiMinusUtc: 10 },
    { unixSeconds: 78_796_800, taiMinusUtc: 9 },
  ]);
  assert.equal(list.declaredHash, null);
});

Deno.test("judgeLeapSecondsList() says ok, expired or bad-hash with a reason", () => {
  const list = parseLeapSecondsList(IERS_2025_07);
  const summary = "28 entries, TAI-UTC 37 s from 2017-01-01, updated 2025-07-07";
  const table: [string, string, number, string, string][] = [
    ["valid", IERS_2025_07, EXPIRES - 1, "ok", `valid until 2026-06-28; ${summary}`],
    ["at expiry", IERS_2025_07, EXPIRES, "expired", `expired on 2026-06-28; ${summary}`],
    [
      "wrong hash",
      IERS_2025_07.replace("#h\t49db2447", "#h\t49db2448"),
      UPDATED,
      "bad-hash",
      "hash mismatch: the file declares 49db2448571e5e1b2f002a539c8da8e439b8e49e, " +
      "its data hash to 49db2447571e5e1b2f002a539c8da8e439b8e49e",
    ],
    [
      "no hash, expired too",
      IERS_2025_07.replace(/^#h.*$/m, ""),
      EXPIRES + 1,
      "bad-hash",
      'no "#h" hash line, so the data cannot be verified',
    ],
  ];
  for (const [name, text, now, verdict, reason] of table) {
    assert.deepEqual(
      judgeLeapSecondsList(parseLeapSecondsList(text), now),
      { verdict, reason },
      name,
    );
  }
  assert.equal(list.entries.length, 28);
});

const systemFile = "/usr/share/zoneinfo/leap-seconds.list";
const canReadSystemFile = Deno.permissions.querySync({ name: "read", path: systemFile }).state ===
    "granted" && (() => {
    try {
      return Deno.statSync(systemFile).isFile;
    } catch {
      return false;
    }
  })();

Deno.test({
  name: "parseLeapSecondsList() verifies the system's leap-seconds.list",
  ignore: !canReadSystemFile,
  fn() {
    const list = parseLeapSecondsList(Deno.readTextFileSync(systemFile));
    assert.equal(list.computedHash, list.declaredHash);
    assert.deepEqual(list.entries.slice(0, LEAP_SECONDS.length), LEAP_SECONDS);
    assert.ok(list.expires > list.updated);
  },
});
