/**
 * What a load balancer in front of clockd relies on: `--proxy-protocol` and
 * `--healthz-requires-sync` as flags and config-file settings, `/healthz`
 * answering 503 while an unsynchronised clock is not allowed, and the
 * `status` line a TCP health check (`expect string synchronised=yes`) reads.
 */

import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import { PROXY_V2_SIGNATURE } from "../src/admission/proxy_header.ts";
import { diffConfig } from "../src/cli/config_diff.ts";
import { loadServeConfig, parseServeArgs, type ServeConfig } from "../src/cli/serve_config.ts";
import { SERVE_HELP } from "../src/cli/serve_help.ts";
import { settingsFromFlags, settingsToArgs } from "../src/cli/serve_settings.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { clockHealthy } from "../src/protocols/http/metrics_routes.ts";
import { systemClock } from "../src/time/clock.ts";
import { ClockStatus } from "../src/time/clock_status.ts";
import { openKernelClock } from "../src/time/kernel_clock.ts";
import { engineTest, LineClient, startClockd } from "./_clockd.ts";
import { FakeKernel } from "./_fake_kernel.ts";

function flags(args: string[]): ServeConfig {
  const config = parseServeArgs(["--session", "127.0.0.1:0", ...args]);
  if (config === "help") throw new Error("help");
  return config;
}

Deno.test("parseServeArgs() reads --proxy-protocol, repeated, as CIDR blocks", () => {
  deepStrictEqual(flags([]).proxyProtocol, []);
  const config = flags(["--proxy-protocol", "10.0.0.0/8", "--proxy-protocol", "2001:DB8::/32"]);
  deepStrictEqual(config.proxyProtocol.map((cidr) => cidr.text), ["10.0.0.0/8", "2001:db8::/32"]);
  const again = parseServeArgs(config.args) as ServeConfig; // as each worker does
  deepStrictEqual(again.proxyProtocol.map((cidr) => cidr.text), ["10.0.0.0/8", "2001:db8::/32"]);
});

Deno.test("parseServeArgs() refuses a --proxy-protocol that is no CIDR block", () => {
  throws(() => flags(["--proxy-protocol", "10.0.0.1/8"]), (error) => {
    ok(error instanceof UsageError);
    match(error.message, /^--proxy-protocol: .*host bits set, the network is "10\.0\.0\.0\/8"/);
    return true;
  });
});

Deno.test("loadServeConfig() reads proxy-protocol and healthz-requires-sync from the file", () => {
  const path = Deno.makeTempFileSync({ prefix: "clockd-", suffix: ".toml" });
  try {
    Deno.writeTextFileSync(
      path,
      'session = ["127.0.0.1:0"]\nproxy-protocol = ["10.0.0.0/8"]\nhealthz-requires-sync = "no"\n',
    );
    const config = loadServeConfig(["--config", path]);
    if (config === "help") throw new Error("help");
    deepStrictEqual(config.proxyProtocol.map((cidr) => cidr.text), ["10.0.0.0/8"]);
    strictEqual(config.healthzRequiresSync, false);
    Deno.writeTextFileSync(path, 'proxy-protocol = ["10.0.0.0/33"]\n');
    throws(() => loadServeConfig(["--config", path]), /clockd-.*\.toml:1: proxy-protocol: /);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("parseServeArgs() reads --healthz-requires-sync yes or no, else follows --ntp-sync", () => {
  strictEqual(flags([]).healthzRequiresSync, null);
  strictEqual(flags(["--healthz-requires-sync", "yes"]).healthzRequiresSync, true);
  strictEqual(flags(["--healthz-requires-sync=no"]).healthzRequiresSync, false);
  throws(
    () => flags(["--healthz-requires-sync", "on"]),
    /^UsageError: --healthz-requires-sync: expected yes or no, got "on"$/,
  );
});

Deno.test("diffConfig() applies proxy-protocol and healthz-requires-sync on reload", () => {
  const before = flags([]);
  const after = flags(["--proxy-protocol", "10.0.0.0/8", "--healthz-requires-sync", "no"]);
  deepStrictEqual(diffConfig(before, after), {
    applied: ["proxy-protocol", "healthz-requires-sync"],
    needsRestart: [],
  });
});

Deno.test("settingsToArgs() writes --proxy-protocol once per block", () => {
  const settings = settingsFromFlags({ "proxy-protocol": ["10.0.0.0/8", "192.0.2.0/24"] });
  deepStrictEqual(settingsToArgs(settings), [
    "--proxy-protocol=10.0.0.0/8",
    "--proxy-protocol=192.0.2.0/24",
  ]);
});

Deno.test("SERVE_HELP documents both flags", () => {
  match(SERVE_HELP, /--proxy-protocol CIDR {7}load balancers/);
  match(SERVE_HELP, /--healthz-requires-sync yes\|no\n/);
});

Deno.test("clockHealthy() follows the kernel clock's synchronisation when required", () => {
  const kernel = new FakeKernel({ synchronised: false, leap: 3 });
  const status = new ClockStatus({
    sync: "kernel",
    stratum: 2,
    referenceId: "GPS",
    clock: systemClock,
    kernel,
  });
  deepStrictEqual([clockHealthy(status, null), clockHealthy(status, true)], [false, false]);
  strictEqual(clockHealthy(status, false), true, "not required");
  kernel.status = { ...kernel.status, synchronised: true, leap: 0 };
  status.refresh();
  deepStrictEqual([clockHealthy(status, null), clockHealthy(status, true)], [true, true]);
  status.close();
});

Deno.test("clockHealthy() requires nothing by default under --ntp-sync always", () => {
  const status = new ClockStatus({
    sync: "always",
    stratum: 10,
    referenceId: "LOCL",
    clock: systemClock,
  });
  deepStrictEqual([clockHealthy(status, null), clockHealthy(status, true)], [true, true]);
  status.close();
});

/** Whether the real kernel clock says synchronised; null when it cannot be read here. */
const KERNEL_SYNCHRONISED = (() => {
  const kernel = openKernelClock();
  if ("error" in kernel) return null;
  const synchronised = kernel.read().synchronised;
  kernel.close();
  return synchronised;
})();

/** The `/healthz` status of the HTTP listener and of the metrics endpoint. */
async function health(flags: string[]): Promise<[number, number]> {
  await using server = await startClockd([
    "--http",
    "127.0.0.1:0",
    "--metrics",
    "127.0.0.1:0",
    "--workers",
    "1",
    ...flags,
  ]);
  const get = async (port: number) => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    await response.body?.cancel();
    return response.status;
  };
  return [await get(server.port("http", "tcp")), await get(server.metrics!.port)];
}

engineTest({
  name: "/healthz answers 200 with --ntp-sync always, required or not",
  async fn() {
    deepStrictEqual(await health(["--ntp-sync", "always"]), [200, 200]);
    deepStrictEqual(
      await health(["--ntp-sync", "always", "--healthz-requires-sync", "yes"]),
      [200, 200],
    );
  },
});

Deno.test({
  name: "/healthz follows the real kernel clock under --ntp-sync kernel unless told not to",
  ignore: KERNEL_SYNCHRONISED === null,
  async fn() {
    const expected = KERNEL_SYNCHRONISED ? 200 : 503;
    deepStrictEqual(await health(["--ntp-sync", "kernel"]), [expected, expected]);
    deepStrictEqual(
      await health(["--ntp-sync", "kernel", "--healthz-requires-sync", "no"]),
      [200, 200],
    );
  },
});

engineTest({
  name: "status answers synchronised=yes for a TCP health check, through a PROXY LOCAL header",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--ntp-sync",
      "always",
      "--workers",
      "1",
      "--proxy-protocol",
      "127.0.0.1",
    ]);
    // haproxy: tcp-check send "status\n", tcp-check expect string synchronised=yes
    using client = await LineClient.connect(server.port("session", "tcp"));
    await client.send(Uint8Array.of(...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0));
    const line = await client.ask("status");
    ok(line.includes("synchronised=yes"), line);
  },
});

Deno.test({
  name: "status answers no synchronised=yes while the real kernel clock is unsynchronised",
  ignore: KERNEL_SYNCHRONISED !== false,
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--workers", "1"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    const line = await client.ask("status");
    match(line, /^OK synchronised=no /);
    ok(!line.includes("synchronised=yes"), line);
  },
});
