/**
 * README's examples, run exactly as written against clockd started as
 * `deno task start` starts it (no flags: the default no-root ports). Every
 * shell command README shows that uses a client (`deno task clockd query`,
 * `status` or `formats`, `nc`, `rdate`, `socat`, `curl`) is walked by
 * default; the commands that are not walked are listed below with the
 * reason, so a new example is either walked or excluded on purpose.
 */

import assert from "node:assert/strict";
import { dirname } from "node:path";
import { openKernelClock } from "../src/time/kernel_clock.ts";
import { canBind, hasProgram, ROOT, startClockd } from "./_clockd.ts";
import { type ReadmeCommand, readmeCommands } from "./_readme_commands.ts";

/** The commands README shows that this test does not run, and why. */
const EXCLUDED: ReadonlyMap<string, string> = new Map([
  [
    "sudo install -m 0644 deploy/clockd.default /etc/default/clockd   # CLOCKD_OPTS, optional",
    "installs into the system (root)",
  ],
  [
    "deno task validate-kubernetes                   # against the schemas; no cluster needed",
    "kubernetes_test.ts runs the validator (and checks it rejects broken manifests)",
  ],
  [
    "kubectl apply -k deploy/kubernetes              # ConfigMap, Deployment, Service, PodDisruptionBudget",
    "needs a Kubernetes cluster; none runs here",
  ],
  [
    "kubectl apply -f deploy/kubernetes/daemonset-hostnetwork.yaml   # optional: NTP on every node's :123",
    "needs a Kubernetes cluster; none runs here",
  ],
  ["deno task start", "the server itself: this test starts it with the same flags"],
  [
    "deno task clockd serve --ntp 127.0.0.1:10123 --ntp-smear 127.0.0.1:10124",
    "a second server on the default NTP port; leap_serving_test.ts runs --ntp-smear",
  ],
  [
    "deno run --allow-read=. --allow-write=/tmp/rt.key main.ts roughtime keygen /tmp/rt.key   # prints the public key",
    "writes a key file (and refuses to overwrite it); roughtime_keygen_test.ts runs keygen",
  ],
  [
    "deno run --allow-net --allow-env --allow-read=.,/tmp/rt.key --allow-ffi main.ts serve --roughtime 127.0.0.1:12002 --roughtime-key /tmp/rt.key --ntp-sync always",
    "a server with a key file; roughtime_serving_test.ts runs --roughtime-key",
  ],
  [
    "deno task clockd query 'roughtime://127.0.0.1:12002?key=PUBLIC_KEY'",
    "needs the key keygen printed; roughtime_serving_test.ts queries a live server with its key",
  ],
  [
    "deno task clockd query --version google 'roughtime+tcp://127.0.0.1:12002?key=PUBLIC_KEY'",
    "needs the key keygen printed; roughtime_serving_test.ts queries every version over TCP",
  ],
  [
    "deno task clockd query time://time.example.org     # RFC 868 over TCP, port 37",
    "needs the network (and example.org serves no time)",
  ],
  [
    "ntpdig localhost                         # NTP (needs port 123: the systemd unit, or --ntp :123)",
    "needs clockd on port 123; standard_services_test.ts runs ntpdig on 127.0.0.123:123",
  ],
  [
    "chronyd -Q 'server localhost port 10123 iburst'   # query only, never sets the clock",
    "runs the chrony daemon (root) for several polls, and rejects an unsynchronised server; " +
    "standard_services_test.ts runs chronyd -Q against --ntp-sync always",
  ],
  [
    "CLOCKD_CMD='deno task --quiet start --session 127.0.0.1:{session} --daytime " +
    "127.0.0.1:{daytime}/tcp --ntp 127.0.0.1:{ntp} --ntp-sync always --udp-rate off --tcp-rate " +
    "off --max-sessions 20000 --max-sessions-per-ip 20000' ROUNDS=3 SECS=3 ../shared/bench/floor.sh",
    "a benchmark against peers outside this repository: minutes of load, never in tests",
  ],
  [
    "IDLE_N=10000 CLOCKD_CMD='deno task start --session 127.0.0.1:{port} --max-sessions 20000 " +
    "--max-sessions-per-ip 20000 --udp-rate off --tcp-rate off' ../shared/bench/compare.sh",
    "a benchmark against the Go server outside this repository: minutes of load, never in tests",
  ],
  [
    "SERVER='deno task --quiet start --ntp 127.0.0.1:{port} --ntp-sync always --udp-rate off' \\\n" +
    "LOAD='/tmp/clockd-bench/loadgen -mode ntp -addr 127.0.0.1:{port} -c 16 -d 5s' " +
    "bench/cpu_per_answer.sh",
    "drives clockd with the Go load generator from outside this repository (built by " +
    "../shared/bench/build.sh); cpu_per_answer_test.ts runs the script against clockd",
  ],
  [
    "deno task bench --workloads http-json,roughtime-udp",
    "seconds of load per workload; bench_test.ts runs every workload, shortened",
  ],
  [
    "deno task bench-roughtime-batch",
    "seconds of CPU-bound rounds; roughtime_batch_test.ts runs them, shortened",
  ],
  [
    "deno task compile                                   # dist/clockd, permissions baked in",
    "builds the binary (compile_test.ts does, when DENORT_BIN is set)",
  ],
  ["sudo install -m 0755 dist/clockd /usr/local/bin/clockd", "installs into the system (root)"],
  [
    "sudo install -m 0644 deploy/clockd.service /etc/systemd/system/clockd.service",
    "installs into the system (root, systemd)",
  ],
  [
    "sudo systemctl daemon-reload && sudo systemctl enable --now clockd",
    "systemd (systemd_unit_test.ts checks the unit)",
  ],
  [
    "systemctl status clockd                             # shows clockd's live STATUS= line",
    "systemd",
  ],
  [
    "journalctl -u clockd                                # priorities from clockd's <N> prefixes",
    "systemd",
  ],
]);

/** Interactive commands, and what the test types into them. */
const TYPED: ReadonlyMap<string, string> = new Map([
  ["nc localhost 1200", "timestamp\nrfc3339 Europe/Paris\nquit\n"],
  ["nc localhost 1200                               # interactive", "timestamp\nquit\n"],
]);

/** Whether the host's kernel clock is synchronised (or clockd cannot read it: then it claims so). */
const HOST_SYNCHRONISED = (() => {
  const kernel = openKernelClock();
  if ("error" in kernel) return true;
  const { synchronised } = kernel.read();
  kernel.close();
  return synchronised;
})();

/**
 * Exit codes other than 0 that README documents, by command: a query of
 * an NTP server on an unsynchronised host exits 1 ("An unsynchronised
 * server … exit 1").
 */
const EXIT_CODES: ReadonlyMap<string, number> = new Map([
  [
    "deno task clockd query ntp://127.0.0.1:10123       # clockd query … with the binary",
    HOST_SYNCHRONISED ? 0 : 1,
  ],
]);

/** The clients whose examples are walked by default. */
const CLIENT = /^(?:deno task clockd (?:query|status|formats)\b|(?:nc|rdate|socat|curl)\b)/;

/** What an example's output must show: a year, a Unix time, or clockd status's heading or JSON. */
const PLAUSIBLE = /\b20\d\d\b|\b\d{10}\b|^clockd at |^\{"server":/m;

/** The ports `deno task start` listens on, every interface. */
const DEFAULT_PORTS = [
  ["tcp", 1200],
  ["udp", 1200],
  ["tcp", 10013],
  ["udp", 10013],
  ["tcp", 10037],
  ["tcp", 2002],
  ["udp", 2002],
  ["udp", 10037],
  ["udp", 10123],
  ["tcp", 8080],
] as const;

const busy = DEFAULT_PORTS.filter(([transport, port]) => !canBind(transport, "::", port));
const COMMANDS = readmeCommands(Deno.readTextFileSync(`${ROOT}README.md`));

/** Whether a command runs a client README's examples are walked for. */
function usesClient(command: string): boolean {
  return command.split(/\||&&|;/).some((part) => CLIENT.test(part.trim()));
}

/** The clients a command runs that are not installed here. */
function missingClients(command: string): string[] {
  return command.split(/\||&&|;/).map((part) => part.trim().split(" ")[0])
    .filter((program) => ["nc", "rdate", "socat", "curl"].includes(program))
    .filter((program) => !hasProgram(program));
}

/** Runs one README command with bash in the project root, killed after `seconds`. */
async function run(example: ReadmeCommand, seconds: number) {
  const typed = TYPED.get(example.command);
  const child = new Deno.Command("timeout", {
    args: ["-k", "1", String(seconds), "bash", "-c", example.command],
    cwd: ROOT,
    env: { PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}` },
    stdin: typed === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (typed !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(typed));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("readmeCommands() finds every README command either walked or excluded with a reason", () => {
  const written = new Set(COMMANDS.map((c) => c.command));
  const neither = COMMANDS.filter((c) => !usesClient(c.command) && !EXCLUDED.has(c.command));
  assert.deepEqual(neither.map((c) => `README.md:${c.line}: ${c.command}`), []);
  const stale = [...EXCLUDED.keys(), ...TYPED.keys(), ...EXIT_CODES.keys()]
    .filter((command) => !written.has(command));
  assert.deepEqual(stale, [], "exclusions, inputs and exit codes of commands README no longer has");
  assert.ok(COMMANDS.filter((c) => !EXCLUDED.has(c.command)).length >= 10, "examples to walk");
});

const BUSY = busy.map(([transport, port]) => `${port}/${transport}`).join(", ");
const NO_SHELL = ["bash", "timeout"].filter((program) => !hasProgram(program));
const SKIPPED = NO_SHELL.length > 0
  ? `${NO_SHELL.join(" and ")} not installed`
  : busy.length > 0
  ? `ports ${BUSY} are in use; deno task start needs them free`
  : null;

Deno.test({
  name: SKIPPED === null
    ? "README's examples run as written against deno task start's clockd"
    : `README's examples (SKIPPED: ${SKIPPED})`,
  ignore: SKIPPED !== null,
  async fn(t) {
    await using _server = await startClockd([]);
    for (const example of COMMANDS.filter((c) => !EXCLUDED.has(c.command))) {
      const missing = missingClients(example.command);
      await t.step({
        name: `README.md:${example.line}: ${example.command}` +
          (missing.length === 0 ? "" : ` (SKIPPED: ${missing.join(", ")} not installed)`),
        ignore: missing.length > 0,
        async fn() {
          const deno = example.command.startsWith("deno ");
          const { code, stdout, stderr } = await run(example, deno ? 10 : 5);
          const expected = EXIT_CODES.get(example.command) ?? 0;
          assert.equal(code, expected, `exit ${code}, expected ${expected}\n${stdout}\n${stderr}`);
          assert.match(stdout, PLAUSIBLE, `plausible output:\n${stdout}\n${stderr}`);
        },
      });
    }
  },
});
