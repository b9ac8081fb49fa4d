/**
 * An unsynchronised host clock under `--ntp-sync kernel`: the startup log
 * says why NTP answers "unsynchronised" and what to do, in one line, and
 * `clockd query ntp://…` against such a server still prints the time, the
 * offset and the delay, then warns and exits 1.
 */

import assert from "node:assert/strict";
import { unsynchronisedAdvice } from "../src/server/serve_command.ts";
import { systemClock } from "../src/time/clock.ts";
import { ClockStatus } from "../src/time/clock_status.ts";
import { openKernelClock } from "../src/time/kernel_clock.ts";
import { FakeKernel } from "./_fake_kernel.ts";
import { runClockd, startClockd } from "./_clockd.ts";

/** Why the host's kernel clock cannot show an unsynchronised clockd, or null when it can. */
const HOST_CLOCK_SYNCHRONISED = (() => {
  const kernel = openKernelClock();
  if ("error" in kernel) return `no kernel clock: ${kernel.error}`;
  const { synchronised } = kernel.read();
  kernel.close();
  return synchronised ? "the host's kernel clock is synchronised" : null;
})();

const ADVICE = /--ntp-sync kernel: the kernel says the host clock is unsynchronised/g;

function kernelStatus(synchronised: boolean): ClockStatus {
  return new ClockStatus({
    sync: "kernel",
    stratum: 10,
    referenceId: "LOCL",
    clock: systemClock,
    kernel: new FakeKernel({ synchronised, leap: synchronised ? 0 : 3 }),
  });
}

Deno.test("unsynchronisedAdvice() explains an unsynchronised kernel clock and what to do", () => {
  const advice = unsynchronisedAdvice(kernelStatus(false));
  assert.ok(advice !== null);
  assert.doesNotMatch(advice, /\n/);
  assert.match(advice, ADVICE);
  assert.match(advice, /LI=3 and stratum 0/);
  assert.match(advice, /run chronyd, ntpd or systemd-timesyncd/);
  assert.match(advice, /--ntp-sync always/);
});

Deno.test("unsynchronisedAdvice() says nothing of a synchronised clock or under --ntp-sync always", () => {
  assert.equal(unsynchronisedAdvice(kernelStatus(true)), null);
  const always = new ClockStatus({
    sync: "always",
    stratum: 10,
    referenceId: "LOCL",
    clock: systemClock,
  });
  assert.equal(unsynchronisedAdvice(always), null);
});

Deno.test({
  name: "an unsynchronised kernel clock: one startup line says why; clockd query warns and exits 1",
  ignore: HOST_CLOCK_SYNCHRONISED !== null,
  async fn() {
    await using server = await startClockd(["--ntp", "127.0.0.1:0", "--ntp-sync", "kernel"]);
    const lines = server.stderr().match(ADVICE);
    assert.equal(lines?.length, 1, server.stderr());
    assert.match(server.stderr(), /\[WRN\] clockd\.server: --ntp-sync kernel: the kernel says/);

    const url = `ntp://127.0.0.1:${server.port("ntp", "udp")}`;
    const { code, stdout, stderr } = await runClockd(["query", url]);
    assert.equal(code, 1);
    const [time, result] = stdout.trimEnd().split("\n");
    assert.match(time, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.match(
      result,
      /^ntp:\/\/127\.0\.0\.1:\d+ {2}stratum 0 \S+ {2}offset [-+]\d+\.\d{6} s ± [\d.]+ s {2}delay [\d.]+ s$/,
    );
    assert.equal(stderr, `clockd: ${url}: unsynchronised server (leap indicator 3)\n`);
  },
});
