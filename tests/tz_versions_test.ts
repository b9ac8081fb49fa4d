import assert from "node:assert/strict";
import {
  probeTzVersion,
  runtimeTzVersion,
  systemTzdataVersion,
  TZ_RELEASE_PROBES,
  tzdataVersionFromText,
} from "../src/time/tz_versions.ts";

/** An offset function with every probe's change present up to `release`. */
function runtimeWith(release: string | null): (zone: string, at: string) => string | null {
  const index = TZ_RELEASE_PROBES.findIndex((probe) => probe.release === release);
  return (zone, at) => {
    const probe = TZ_RELEASE_PROBES.findIndex((p) => p.zone === zone && p.at === at);
    return probe <= index ? TZ_RELEASE_PROBES[probe].offset : "+99:00";
  };
}

Deno.test("probeTzVersion() names the newest release whose change and all older ones are present", () => {
  const table: [string | null, string | null, boolean][] = [
    [null, null, false],
    ["2022f", "2022f", false],
    ["2024a", "2024a", false],
    ["2025b", "2025b", false],
    ["2025c", "2025c", true],
  ];
  for (const [present, expected, orLater] of table) {
    const version = probeTzVersion(runtimeWith(present), TZ_RELEASE_PROBES);
    assert.equal(version?.version ?? null, expected, `${present}`);
    if (version !== null) assert.equal(version.orLater, orLater, `${present}`);
  }
  assert.deepEqual(probeTzVersion(runtimeWith("2025b"), TZ_RELEASE_PROBES), {
    version: "2025b",
    basis: "derived from zone transitions: has 2025b's change (Aysen Region zone), " +
      "not 2025c's (Baja California DST 1961-75)",
    orLater: false,
  });
  assert.equal(
    probeTzVersion(runtimeWith("2025c"), TZ_RELEASE_PROBES)?.basis,
    "derived from zone transitions: has 2025c's change (Baja California DST 1961-75)",
  );
});

Deno.test("probeTzVersion() stops at the first missing change, even if newer ones pass", () => {
  const offsets = (zone: string, at: string) => {
    const probe = TZ_RELEASE_PROBES.find((p) => p.zone === zone && p.at === at)!;
    return probe.release === "2023a" ? null : probe.offset; // an unknown zone counts as missing
  };
  assert.equal(probeTzVersion(offsets, TZ_RELEASE_PROBES)?.version, "2022g");
});

Deno.test("TZ_RELEASE_PROBES lists releases oldest first, each once", () => {
  const releases = TZ_RELEASE_PROBES.map((probe) => probe.release);
  assert.deepEqual(releases, [...releases].sort());
  assert.equal(new Set(releases).size, releases.length);
  for (const probe of TZ_RELEASE_PROBES) assert.match(probe.offset, /^[+-]\d\d:\d\d$/);
});

Deno.test("runtimeTzVersion() derives this runtime's ICU release", () => {
  const version = runtimeTzVersion();
  assert.notEqual(version, null);
  assert.match(version!.version, /^20\d\d[a-z]$/);
  assert.match(version!.basis, /^derived from zone transitions: /);
});

Deno.test("tzdataVersionFromText() reads tzdata.zi's first line and +VERSION", () => {
  const table: [string, string | null][] = [
    ["# version 2025b\n# ddeps backzone zone.tab\n", "2025b"],
    ["# version 2024a", "2024a"],
    ["2025b\n", "2025b"],
    ["2025b", "2025b"],
    ["# This zic input file is in the public domain.\n", null],
    ["version 2025b\n", null],
    ["", null],
  ];
  for (const [text, expected] of table) assert.equal(tzdataVersionFromText(text), expected, text);
});

Deno.test("systemTzdataVersion() reads tzdata.zi first, then +VERSION, else null", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(systemTzdataVersion(dir), null);
    await Deno.writeTextFile(`${dir}/+VERSION`, "2024b\n");
    assert.deepEqual(systemTzdataVersion(dir), {
      version: "2024b",
      basis: `${dir}/+VERSION`,
      orLater: false,
    });
    await Deno.writeTextFile(
      `${dir}/tzdata.zi`,
      "# version 2025a\n# ddeps\n" + "R x\n".repeat(100),
    );
    assert.equal(systemTzdataVersion(dir)?.version, "2025a");
    assert.equal(systemTzdataVersion(dir)?.basis, `${dir}/tzdata.zi`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
