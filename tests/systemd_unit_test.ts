/**
 * Checks deploy/clockd.service with systemd's own tools: `systemd-analyze
 * verify` (every warning fails the test) and the offline security rating.
 * Skips, saying so in the test names, where systemd-analyze is missing.
 * Then, without systemd, what a Debian operator relies on: the
 * `/etc/default/clockd` environment file and its `$CLOCKD_OPTS`, the
 * ordering after `time-sync.target`, the state directory, and that every
 * example in deploy/clockd.default is a command line clockd accepts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseServeArgs } from "../src/cli/serve_config.ts";

const UNIT = fileURLToPath(new URL("../deploy/clockd.service", import.meta.url));
const DEFAULTS = fileURLToPath(new URL("../deploy/clockd.default", import.meta.url));
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

/** Every `Key=value` of one section of a unit file, in order (comments and blank lines skipped). */
function unitSettings(text: string, section: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let current = "";
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      current = header[1];
      continue;
    }
    const equals = trimmed.indexOf("=");
    if (current !== section || equals < 0) continue;
    const key = trimmed.slice(0, equals);
    settings.set(key, [...settings.get(key) ?? [], trimmed.slice(equals + 1)]);
  }
  return settings;
}

/** The unit's ExecStart words after `serve`, without the trailing `$CLOCKD_OPTS`. */
function execStartArgs(service: Map<string, string[]>): string[] {
  const words = service.get("ExecStart")![0].split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["/usr/local/bin/clockd", "serve"]);
  assert.equal(words.at(-1), "$CLOCKD_OPTS");
  return words.slice(2, -1);
}

/** The `CLOCKD_OPTS` values of deploy/clockd.default: the active one, then each commented example. */
function defaultOpts(text: string): { active: string[]; examples: string[] } {
  const active: string[] = [];
  const examples: string[] = [];
  for (const line of text.split("\n")) {
    const set = /^CLOCKD_OPTS="([^"\\$`]*)"$/.exec(line);
    if (set) active.push(set[1]);
    const example = /^#\s+CLOCKD_OPTS="([^"]*)"/.exec(line);
    if (example) examples.push(example[1]);
    if (line.trim() !== "" && !line.startsWith("#")) {
      assert.match(line, /^CLOCKD_OPTS="[^"\\$`]*"$/, `not a plain assignment: ${line}`);
    }
  }
  return { active, examples };
}

Deno.test("deploy/clockd.service appends $CLOCKD_OPTS from an optional /etc/default/clockd", async () => {
  const service = unitSettings(await Deno.readTextFile(UNIT), "Service");
  assert.deepEqual(service.get("EnvironmentFile"), ["-/etc/default/clockd"]);
  const execStart = service.get("ExecStart")!;
  assert.equal(execStart.length, 1);
  // Unbraced and unquoted, as its own word: systemd splits the value into
  // separate arguments (${CLOCKD_OPTS} or "$CLOCKD_OPTS" would make it one).
  assert.match(execStart[0], / \$CLOCKD_OPTS$/);
  assert.doesNotMatch(execStart[0], /\$\{CLOCKD_OPTS\}|"\$CLOCKD_OPTS"/);
  const config = parseServeArgs(execStartArgs(service));
  assert.ok(config !== "help");
  assert.deepEqual(
    config.listeners.map(({ service, address }) =>
      `${service} ${address.port} ${address.transports.join("+")}`
    ),
    [
      "session 1200 tcp+udp",
      "daytime 13 tcp+udp",
      "time 37 tcp+udp",
      "ntp 123 udp",
      "roughtime 2002 tcp+udp",
    ],
  );
  assert.equal(config.roughtimeKey, "/var/lib/clockd/roughtime.key");
});

Deno.test("deploy/clockd.service keeps one Roughtime key in its state directory, made once", async () => {
  const service = unitSettings(await Deno.readTextFile(UNIT), "Service");
  assert.deepEqual(service.get("ExecStartPre"), [
    "-/usr/local/bin/clockd roughtime keygen /var/lib/clockd/roughtime.key",
  ]);
  // The binary carries the task's grants: it may write the state directory, nothing else.
  const task = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks
    .clockd as string;
  assert.match(task, / --allow-write=\/var\/lib\/clockd /);
  assert.match(task, /--allow-read=[^ ]*\/var\/lib\/clockd/);
});

Deno.test("deploy/clockd.service starts after time-sync.target, restarts on failure, reloads on SIGHUP, keeps /var/lib/clockd", async () => {
  const text = await Deno.readTextFile(UNIT);
  const unit = unitSettings(text, "Unit");
  const service = unitSettings(text, "Service");
  assert.ok(unit.get("After")?.includes("time-sync.target"), "After=time-sync.target");
  assert.ok(unit.get("Wants")?.includes("time-sync.target"), "Wants=time-sync.target");
  assert.deepEqual(service.get("Restart"), ["on-failure"]);
  assert.deepEqual(service.get("ExecReload"), ["/bin/kill -HUP $MAINPID"]);
  assert.deepEqual(service.get("StateDirectory"), ["clockd"]);
});

Deno.test("deploy/clockd.default sets CLOCKD_OPTS once, and each example is a command line clockd accepts", async () => {
  const service = unitSettings(await Deno.readTextFile(UNIT), "Service");
  const { active, examples } = defaultOpts(await Deno.readTextFile(DEFAULTS));
  assert.deepEqual(active, [""]);
  assert.ok(examples.length >= 3, `examples: ${examples.join(" | ")}`);
  for (const opts of [...active, ...examples]) {
    const args = [...execStartArgs(service), ...opts.split(/\s+/).filter((word) => word !== "")];
    const config = parseServeArgs(args);
    assert.ok(config !== "help", opts);
    if (opts.includes("ntp.disable=true")) {
      assert.ok(!config.listeners.some(({ service }) => service === "ntp"), opts);
    }
  }
  // A mistyped flag in the file is caught the same way.
  assert.throws(() => parseServeArgs([...execStartArgs(service), "--metric", "127.0.0.1:9123"]));
});
