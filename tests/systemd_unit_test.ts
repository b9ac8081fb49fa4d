/**
 * Checks deploy/clockd.service with systemd's own tools: `systemd-analyze
 * verify` (every warning fails the test) and the offline security rating.
 * Skips, saying so in the test names, where systemd-analyze is missing.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const UNIT = fileURLToPath(new URL("../deploy/clockd.service", import.meta.url));
/** The highest exposure the unit may rate (systemd-analyze security, 0 to 10). */
const MAX_EXPOSURE = 1.8;
/** Where distributions keep systemd's own units (targets the unit depends on). */
const SYSTEM_UNIT_DIRS = ["/usr/lib/systemd/system", "/lib/systemd/system"];

async function run(args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command("systemd-analyze", {
    args,
    env: { SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "", SYSTEMD_LOG_COLOR: "0" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: (decoder.decode(stdout) + decoder.decode(stderr)).trim() };
}

async function findAnalyze(): Promise<string | null> {
  try {
    const { code, output } = await run(["--version"]);
    return code === 0 ? output.split("\n")[0] : null;
  } catch {
    return null;
  }
}

const version = await findAnalyze();
const skip = version === null ? " (skipped: systemd-analyze is not installed)" : "";

/**
 * Builds a root directory for `systemd-analyze verify --root`: the unit in
 * /etc/systemd/system, the targets it depends on from this system, and an
 * executable at the ExecStart path (and /bin/kill for ExecReload), so that verify checks everything
 * (dependencies included) without /usr/local/bin/clockd being installed.
 */
async function verifyRoot(unitText: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "clockd-unit-" });
  await Deno.mkdir(`${root}/etc/systemd/system`, { recursive: true });
  await Deno.writeTextFile(`${root}/etc/systemd/system/clockd.service`, unitText);
  await Deno.mkdir(`${root}/usr/local/bin`, { recursive: true });
  await Deno.writeTextFile(`${root}/usr/local/bin/clockd`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  // ExecReload's kill, as every Debian system has it (procps).
  await Deno.mkdir(`${root}/bin`, { recursive: true });
  await Deno.writeTextFile(`${root}/bin/kill`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const systemUnits = SYSTEM_UNIT_DIRS.find((dir) => {
    try {
      return Deno.statSync(dir).isDirectory;
    } catch {
      return false;
    }
  });
  assert.ok(systemUnits, `none of ${SYSTEM_UNIT_DIRS.join(", ")} exists`);
  await Deno.mkdir(`${root}/usr/lib/systemd`, { recursive: true });
  const copy = await new Deno.Command("cp", {
    args: ["-a", systemUnits, `${root}/usr/lib/systemd/system`],
  }).output();
  assert.equal(copy.code, 0, new TextDecoder().decode(copy.stderr));
  return root;
}

async function verify(unitText: string): Promise<{ code: number; output: string }> {
  const root = await verifyRoot(unitText);
  try {
    return await run([
      "verify",
      "--man=no",
      `--root=${root}`,
      "/etc/systemd/system/clockd.service",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  name: `deploy/clockd.service passes systemd-analyze verify without a warning${skip}`,
  ignore: version === null,
  async fn() {
    const { code, output } = await verify(await Deno.readTextFile(UNIT));
    assert.equal(output, "", `systemd-analyze verify said:\n${output}`);
    assert.equal(code, 0);
  },
});

Deno.test({
  name: `systemd-analyze verify, run as above, reports a broken unit${skip}`,
  ignore: version === null,
  async fn() {
    const unit = await Deno.readTextFile(UNIT);
    const broken = unit
      .replace(/^ProtectSystem=strict$/m, "ProtectSystem=stricc")
      .replace(/^\[Service\]$/m, "[Service]\nBogusKey=1")
      .replace(/^ExecStart=\/usr\/local\/bin\/clockd /m, "ExecStart=/usr/local/bin/clockx ");
    const { code, output } = await verify(broken);
    assert.match(output, /stricc/);
    assert.match(output, /BogusKey/);
    assert.match(output, /clockx/);
    assert.notEqual(code, 0);
  },
});

Deno.test({
  name: `deploy/clockd.service rates an exposure of at most ${MAX_EXPOSURE}${skip}`,
  ignore: version === null,
  async fn() {
    const { code, output } = await run(["security", "--offline=true", "--no-pager", UNIT]);
    assert.equal(code, 0, output);
    const match = output.match(/Overall exposure level for clockd\.service: (\d+(?:\.\d+)?)/);
    assert.ok(match, `no exposure level in:\n${output}`);
    const exposure = Number(match[1]);
    console.log(`  ${version}: exposure ${exposure}`);
    assert.ok(exposure <= MAX_EXPOSURE, `exposure ${exposure} > ${MAX_EXPOSURE}:\n${output}`);
    // The settings the unit's comments promise, as systemd reads them.
    for (
      const passed of [
        "NoNewPrivileges=",
        "ProtectSystem=",
        "User=/DynamicUser=",
        "PrivateDevices=",
      ]
    ) {
      assert.match(output, new RegExp(`✓ ${passed}`), passed);
    }
  },
});
