import assert from "node:assert/strict";
import { leapFileTexts, leapSecondsListText, writeLeapFiles } from "./_leap_files.ts";
import { judgeLeapSecondsList, parseLeapSecondsList } from "../src/time/leap_seconds_list.ts";
import { LEAP_SECONDS, leapIndicatorAt } from "../src/time/leap_table.ts";

/** 2026-11-30T00:17:59Z: the next midnight is 2026-12-01T00:00:00Z. */
const NOW = 1_795_997_879;
const MIDNIGHT = 1_796_083_200;

Deno.test("leapFileTexts() announce a leap at the coming midnight with correct hashes", () => {
  const texts = leapFileTexts(NOW);
  const table: [keyof typeof texts, string, number | null, 0 | 1 | 2][] = [
    ["insertion", "ok", 38, 1],
    ["deletion", "ok", 36, 2],
    ["expired", "expired", null, 0],
    ["badHash", "bad-hash", 38, 1],
  ];
  for (const [name, verdict, offset, indicator] of table) {
    const list = parseLeapSecondsList(texts[name]);
    assert.equal(judgeLeapSecondsList(list, NOW).verdict, verdict, name);
    const last = list.entries[list.entries.length - 1];
    if (offset === null) assert.deepEqual(list.entries, LEAP_SECONDS, name);
    else assert.deepEqual(last, { unixSeconds: MIDNIGHT, taiMinusUtc: offset }, name);
    assert.equal(leapIndicatorAt({ seconds: NOW, nanos: 0 }, list.entries), indicator, name);
  }
  const insertion = parseLeapSecondsList(texts.insertion);
  assert.equal(insertion.updated, MIDNIGHT - 86_400);
  assert.equal(insertion.expires, MIDNIGHT + 180 * 86_400);
  const expired = parseLeapSecondsList(texts.expired);
  assert.equal(expired.expires, MIDNIGHT - 31 * 86_400);
  // The bad file differs from the good one in its hash alone.
  assert.equal(
    texts.badHash.replace(/^#h.*$/m, ""),
    texts.insertion.replace(/^#h.*$/m, ""),
  );
});

Deno.test("leapSecondsListText() writes the IERS layout, with or without a hash", () => {
  const content = { entries: LEAP_SECONDS.slice(0, 2), updated: 0, expires: 86_400 };
  const text = leapSecondsListText(content);
  assert.match(text, /^#\$\t2208988800$/m);
  assert.match(text, /^#@\t2209075200$/m);
  assert.match(text, /^2272060800\t10\t# 1 Jan 1972$/m);
  assert.match(text, /^2287785600\t11\t# 1 Jul 1972$/m);
  assert.match(text, /^#h\t[0-9a-f]{8}( [0-9a-f]{8}){4}\n$/m);
  assert.ok(text.endsWith("\n"));
  const bare = leapSecondsListText({ ...content, hash: "none" });
  assert.doesNotMatch(bare, /^#h/m);
  assert.equal(parseLeapSecondsList(bare).declaredHash, null);
});

Deno.test("writeLeapFiles() writes the four files into a new directory", async () => {
  const files = await writeLeapFiles(NOW);
  try {
    assert.equal(files.leapAt, MIDNIGHT);
    const texts = leapFileTexts(NOW);
    for (const name of ["insertion", "deletion", "expired", "badHash"] as const) {
      assert.ok(files[name].startsWith(files.dir + "/"), name);
      assert.equal(await Deno.readTextFile(files[name]), texts[name], name);
    }
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});

Deno.test("writeLeapFiles() defaults to now", async () => {
  const before = Math.floor(Date.now() / 1000);
  const files = await writeLeapFiles();
  try {
    assert.ok(files.leapAt > before && files.leapAt <= before + 86_400 + 1);
    assert.equal(files.leapAt % 86_400, 0);
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});
