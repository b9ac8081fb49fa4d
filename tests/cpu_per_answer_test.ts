/**
 * bench/cpu_per_answer.sh against clockd, with a load of plain bash asking
 * over /dev/tcp: the figures it prints come from the processes' CPU times and
 * the answers the load reports; a load that reports none is an error.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { hasProgram, runProgram } from "./_host.ts";

const SCRIPT = fileURLToPath(new URL("../bench/cpu_per_answer.sh", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const MISSING = ["ss", "python3", "getconf"].filter((command) => !hasProgram(command));
const SERVER = `${Deno.execPath()} run --allow-net --allow-env --allow-read --allow-ffi ` +
  `main.ts serve --session 127.0.0.1:{port} --workers 1 --tcp-rate off --log-level warning`;

function run(load: string) {
  return runProgram("bash", [SCRIPT], { cwd: ROOT, env: { SERVER, LOAD: load } });
}

Deno.test({
  name: MISSING.length === 0
    ? "bench/cpu_per_answer.sh prints the server's and the load's CPU per answer"
    : `bench/cpu_per_answer.sh (SKIPPED: ${MISSING.join(", ")} missing)`,
  ignore: MISSING.length > 0,
  async fn() {
    // 5000 session requests over one connection (enough CPU for the 10 ms ticks to count),
    // then the count as the Go load generator prints it.
    const load = `bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}; ` +
      `for i in $(seq 5000); do echo timestamp >&3; read -r _ <&3; done; echo "{\\"ops\\":5000}"'`;
    const { code, stdout, stderr } = await run(load);
    assert.equal(code, 0, stderr);
    const match =
      /^ops\/s (\d+); server ([\d.]+) µs user \+ ([\d.]+) µs system = ([\d.]+) µs per answer; load ([\d.]+) µs per answer$/m
        .exec(stdout);
    assert.ok(match !== null, stdout);
    const [ops, user, system, total, loadCpu] = match.slice(1).map(Number);
    assert.ok(ops > 0);
    assert.ok(Math.abs(user + system - total) < 0.02, "user + system = total");
    assert.ok(total > 0, "clockd used CPU answering");
    assert.ok(loadCpu >= 0);
  },
});

Deno.test({
  name: MISSING.length === 0
    ? "bench/cpu_per_answer.sh fails, saying so, when the load reports no answers"
    : `bench/cpu_per_answer.sh without answers (SKIPPED: ${MISSING.join(", ")} missing)`,
  ignore: MISSING.length > 0,
  async fn() {
    const { code, stderr } = await run("echo nothing");
    assert.equal(code, 1);
    assert.match(stderr, /the load reported no answers: nothing/);
  },
});
