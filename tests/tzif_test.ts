/**
 * The TZif reader behind tzdata's abbreviations: hand-built files for the
 * format's corners, the host's files when present.
 */

import assert from "node:assert/strict";
import { parseTzif, readSystemTzif, tzifAbbreviation } from "../src/time/_tzif.ts";

const encoder = new TextEncoder();

function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/** A TZif header: version byte, then isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt. */
function header(version: number, counts: readonly number[]): number[] {
  return [...encoder.encode("TZif"), version, ...new Array(15).fill(0), ...counts.flatMap(u32)];
}

/**
 * A version 2 file: an empty-ish v1 block, then London-like 64-bit data (LMT,
 * GMT from -3852662325, BST from 0) and a footer.
 */
function london(footer: string): Uint8Array {
  const v1 = [...header(0x32, [0, 0, 0, 0, 1, 4]), 0, 0, 0, 0, 0, 0, ...encoder.encode("LMT\0")];
  const times = [-3852662325, 0].flatMap((t) => {
    const big = BigInt.asUintN(64, BigInt(t));
    return [...u32(Number(big >> 32n)), ...u32(Number(big & 0xffffffffn))];
  });
  const types = [
    ...u32(2 ** 32 - 75),
    0,
    0, // LMT -75
    ...u32(0),
    0,
    4, // GMT
    ...u32(3600),
    1,
    8, // BST
  ];
  const v2 = [
    ...header(0x32, [0, 0, 0, 2, 3, 12]),
    ...times,
    1,
    2,
    ...types,
    ...encoder.encode("LMT\0GMT\0BST\0"),
  ];
  return new Uint8Array([...v1, ...v2, ...encoder.encode(`\n${footer}\n`)]);
}

Deno.test("parseTzif() reads the 64-bit block, the abbreviations and the footer", () => {
  const history = parseTzif(london("GMT0BST,M3.5.0/1,M10.5.0"));
  assert.deepEqual(history.transitions, [-3852662325, 0]);
  assert.deepEqual(history.typeIndexes, [1, 2]);
  assert.deepEqual(history.types.map((t) => [t.offsetSeconds, t.abbreviation]), [
    [-75, "LMT"],
    [0, "GMT"],
    [3600, "BST"],
  ]);
  assert.deepEqual(history.footer, [
    { offsetSeconds: 0, abbreviation: "GMT" },
    { offsetSeconds: 3600, abbreviation: "BST" },
  ]);
  // POSIX offsets are west-positive; quoted names; an explicit daylight offset.
  assert.deepEqual(parseTzif(london("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45")).footer, [
    { offsetSeconds: 45_900, abbreviation: "+1245" },
    { offsetSeconds: 49_500, abbreviation: "+1345" },
  ]);
  assert.deepEqual(parseTzif(london("<-03>3")).footer, [{
    offsetSeconds: -10_800,
    abbreviation: "-03",
  }]);
  assert.deepEqual(parseTzif(london("")).footer, []);
});

Deno.test("parseTzif() rejects what is not a whole TZif file with a SyntaxError", () => {
  const whole = london("GMT0");
  for (
    const bytes of [
      new Uint8Array(0),
      encoder.encode("TZif2"),
      encoder.encode("not a zone file at all, but long enough to hold a header"),
      whole.subarray(0, whole.length - 40),
    ]
  ) {
    assert.throws(() => parseTzif(bytes), SyntaxError);
  }
});

Deno.test("tzifAbbreviation() answers only where the file's offset is the one given", () => {
  const history = parseTzif(london("GMT0BST,M3.5.0/1,M10.5.0"));
  assert.deepEqual(tzifAbbreviation(history, -4e9, -75), {
    start: -Infinity,
    end: -3852662325,
    abbreviation: "LMT",
  });
  assert.deepEqual(tzifAbbreviation(history, -1, 0), {
    start: -3852662325,
    end: 0,
    abbreviation: "GMT",
  });
  // After the last transition the footer's names follow the offset.
  assert.equal(tzifAbbreviation(history, 1e9, 0)?.abbreviation, "GMT");
  assert.equal(tzifAbbreviation(history, 1e9, 3600)?.abbreviation, "BST");
  assert.equal(tzifAbbreviation(history, -1, 3600), undefined);
  assert.equal(tzifAbbreviation(history, 1e9, 7200), undefined);
});

Deno.test("readSystemTzif() refuses paths that are not zone names", () => {
  for (const id of ["", "../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd", "zone.tab"]) {
    assert.equal(readSystemTzif(id), undefined, id);
  }
  assert.equal(readSystemTzif("Mars/Olympus_Mons"), undefined);
});

Deno.test({
  name: "readSystemTzif() reads the host's Europe/London",
  ignore: (() => {
    try {
      return !Deno.statSync("/usr/share/zoneinfo/Europe/London").isFile;
    } catch {
      return true;
    }
  })(),
  fn() {
    const history = readSystemTzif("Europe/London");
    assert.ok(history !== undefined);
    // 1970-01-01: British Standard Time.
    assert.equal(tzifAbbreviation(history, 0, 3600)?.abbreviation, "BST");
    assert.ok(history.types.some((type) => type.abbreviation === "BDST"));
  },
});
