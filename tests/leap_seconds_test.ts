import assert from "node:assert/strict";
import {
  builtInLeapTable,
  LEAP_SECONDS_FILE_CANDIDATES,
  LeapSeconds,
  leapTableFromText,
  loadLeapSeconds,
  loadLeapSecondsSync,
} from "../src/time/leap_seconds.ts";
import { LEAP_SECONDS } from "../src/time/leap_table.ts";
import { leapFileTexts, leapSecondsListText, writeLeapFiles } from "./_leap_files.ts";
import { runDenoScript } from "./_clockd.ts";

/** 2026-11-30T00:17:59Z; the crafted files announce a leap at 2026-12-01T00:00:00Z. */
const NOW = 1_795_997_879;
const MIDNIGHT = 1_796_083_200;
const TEXTS = leapFileTexts(NOW);
const BUILT_IN = "using the built-in table (28 entries, TAI-UTC 37 s from 2017-01-01, " +
  "expired 2026-06-28)";

Deno.test("leapTableFromText() uses a valid file and falls back to the built-in table otherwise", () => {
  const fewer = leapSecondsListText({
    entries: LEAP_SECONDS.slice(0, 27),
    updated: MIDNIGHT - 500 * 86_400,
    expires: MIDNIGHT - 100 * 86_400,
  });
  const table: [string, string, "file" | "built-in", string, number, RegExp][] = [
    ["insertion", TEXTS.insertion, "file", "ok", 38, /^\/f: valid until 2027-05-30; 29 entries/],
    ["deletion", TEXTS.deletion, "file", "ok", 36, /^\/f: valid until 2027-05-30; 29 entries/],
    ["expired", TEXTS.expired, "file", "expired", 37, /^\/f: expired on 2026-10-31; 28 entries/],
    [
      "expired, shorter",
      fewer,
      "built-in",
      "expired",
      37,
      /^\/f: expired on 2026-08-23; 27 .*; using the built-in/,
    ],
    [
      "bad hash",
      TEXTS.badHash,
      "built-in",
      "bad-hash",
      37,
      /^\/f: hash mismatch: .*; using the built-in/,
    ],
    [
      "corrupt",
      "#$ 1\n",
      "built-in",
      "corrupt",
      37,
      /^\/f: no "#@" expiry line; using the built-in/,
    ],
  ];
  for (const [name, text, source, verdict, last, reason] of table) {
    const result = leapTableFromText(text, "/f", NOW);
    assert.equal(result.source, source, name);
    assert.equal(result.verdict, verdict, name);
    assert.equal(result.path, "/f", name);
    assert.equal(result.entries[result.entries.length - 1].taiMinusUtc, last, name);
    assert.match(result.reason, reason, name);
    if (source === "built-in") {
      assert.equal(result.entries, LEAP_SECONDS, name);
      assert.ok(result.reason.endsWith(BUILT_IN), name);
    }
  }
});

Deno.test("builtInLeapTable() says no file was read and when the built-in table expires", () => {
  assert.deepEqual(builtInLeapTable(NOW), {
    entries: LEAP_SECONDS,
    source: "built-in",
    path: null,
    updated: 1_751_846_400,
    expires: 1_782_604_800,
    verdict: "missing",
    reason: `no leap-seconds file read; ${BUILT_IN}`,
  });
  assert.match(builtInLeapTable(1_782_604_799).reason, /, valid until 2026-06-28\)$/);
});

Deno.test("loadLeapSeconds() and loadLeapSecondsSync() read a path and judge it", async () => {
  const files = await writeLeapFiles(NOW);
  try {
    for (const load of [loadLeapSeconds, loadLeapSecondsSync]) {
      const insertion = await load({ path: files.insertion, now: NOW });
      assert.equal(insertion.verdict, "ok");
      assert.equal(insertion.path, files.insertion);
      assert.deepEqual(insertion.entries.at(-1), { unixSeconds: MIDNIGHT, taiMinusUtc: 38 });
      assert.equal((await load({ path: files.badHash, now: NOW })).verdict, "bad-hash");
      assert.equal((await load({ path: files.expired, now: NOW })).verdict, "expired");
      const missing = await load({ path: files.dir + "/none.list", now: NOW });
      assert.equal(missing.verdict, "missing");
      assert.equal(missing.reason, `${files.dir}/none.list: no such file; ${BUILT_IN}`);
      const directory = await load({ path: files.dir, now: NOW });
      assert.equal(directory.verdict, "missing");
      assert.match(directory.reason, /: cannot read: /);
    }
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});

Deno.test("loadLeapSecondsSync() without a path reads the first existing candidate", () => {
  const result = loadLeapSecondsSync();
  const existing = LEAP_SECONDS_FILE_CANDIDATES.find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  if (existing === undefined) {
    assert.equal(result.verdict, "missing");
    assert.match(result.reason, /^none of \/usr\/share\/zoneinfo\/leap-seconds.list, /);
  } else {
    assert.equal(result.path, existing);
    assert.notEqual(result.verdict, "missing");
  }
});

const canSpawn = Deno.permissions.querySync({ name: "run" }).state === "granted";

Deno.test({
  name: "loadLeapSecondsSync() never prompts: without read permission the file is missing",
  ignore: !canSpawn,
  async fn() {
    const script = `
      import { loadLeapSecondsSync } from ${
      JSON.stringify(new URL("../src/time/leap_seconds.ts", import.meta.url).href)
    };
      const table = loadLeapSecondsSync({ now: ${NOW} });
      console.log(table.verdict + " " + table.source + " " + table.reason);
    `;
    const { stdout: output, stderr } = await runDenoScript(["--allow-read=/nonexistent"], script);
    assert.equal(
      output,
      "missing built-in /usr/share/zoneinfo/leap-seconds.list, /var/db/ntpd.leap-seconds.list: " +
        "read permission not granted (run with --allow-read=" +
        "/usr/share/zoneinfo/leap-seconds.list,/var/db/ntpd.leap-seconds.list); " + BUILT_IN,
      stderr,
    );
  },
});

Deno.test("LeapSeconds answers from the table in force and swaps it on replace()", () => {
  const leaps = new LeapSeconds(builtInLeapTable(NOW));
  const lastDay = { seconds: NOW, nanos: 0 };
  assert.equal(leaps.taiMinusUtc(MIDNIGHT), 37);
  assert.equal(leaps.leapIndicator(lastDay), 0);
  assert.equal(leaps.leapSecondEndsMonth(NOW), false);
  leaps.replace(leapTableFromText(TEXTS.insertion, "/f", NOW));
  assert.equal(leaps.table.verdict, "ok");
  assert.equal(leaps.entries.length, 29);
  assert.equal(leaps.taiMinusUtc(MIDNIGHT - 1), 37);
  assert.equal(leaps.taiMinusUtc(MIDNIGHT), 38);
  assert.equal(leaps.leapIndicator(lastDay), 1);
  assert.equal(leaps.leapSecondEndsMonth(NOW), true);
  leaps.replace(leapTableFromText(TEXTS.deletion, "/f", NOW));
  assert.equal(leaps.leapIndicator(lastDay), 2);
  assert.equal(leaps.taiMinusUtc(MIDNIGHT), 36);
});

Deno.test("LeapSeconds.judgement() turns an ok table expired at its expiry", () => {
  const leaps = new LeapSeconds(leapTableFromText(TEXTS.insertion, "/f", NOW));
  const expires = leaps.table.expires;
  assert.equal(leaps.judgement(expires - 1).verdict, "ok");
  assert.deepEqual(leaps.judgement(expires), {
    verdict: "expired",
    reason: "/f: expired on 2027-05-30",
  });
  const fallback = new LeapSeconds(leapTableFromText("", "/f", NOW));
  assert.equal(fallback.judgement(NOW).verdict, "corrupt");
});

Deno.test("LeapSeconds starts with the built-in table", () => {
  const leaps = new LeapSeconds();
  assert.equal(leaps.table.source, "built-in");
  assert.equal(leaps.entries, LEAP_SECONDS);
});
