/**
 * Roughtime in a running clockd: `clockd query` verifies answers over UDP
 * and TCP for every version, on both engines; malformed datagrams are
 * dropped and counted; a key file is used; nothing is answered while the
 * clock is unsynchronised.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import {
  type Clockd,
  commandSucceeds,
  engineTest,
  LineClient,
  runClockd,
  startClockd,
  startFlagsReading,
  udpAsk,
} from "./_clockd.ts";
import { buildRoughtimeRequest } from "../src/protocols/roughtime/request.ts";
import { ROUGHTIME_PROFILES } from "../src/protocols/roughtime/versions.ts";
import { writeRoughtimeSeedFile } from "../src/protocols/roughtime/key_file.ts";
import { openKernelClock } from "../src/time/kernel_clock.ts";

/** Every version `clockd query --version` offers. */
const VERSIONS = ["ietf", "google", "draft-08", "draft-11", "draft-12", "draft-19", "rfc"];

function startRoughtime(extra: string[] = [], permissions?: string[]): Promise<Clockd> {
  return startClockd([
    "--roughtime",
    "127.0.0.1:0",
    "--metrics",
    "127.0.0.1:0",
    "--udp-rate",
    "off",
    "--workers",
    "1",
    ...extra,
  ], { permissions });
}

/** The public key from the startup line. */
async function publicKeyOf(clockd: Clockd): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const found = /roughtime public key (\S+) /.exec(clockd.stderr());
    if (found !== null) return found[1];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no public key logged: ${clockd.stderr()}`);
}

async function metricsText(clockd: Clockd): Promise<string> {
  const { hostname, port } = clockd.metrics!;
  return await (await fetch(`http://${hostname}:${port}/metrics`)).text();
}

engineTest({
  name: "clockd query verifies clockd's Roughtime over UDP and TCP in every version",
  async fn() {
    await using clockd = await startRoughtime(["--ntp-sync", "always", "--session", "127.0.0.1:0"]);
    using client = await LineClient.connect(clockd.port("session", "tcp"));
    match(await client.ask("status"), / roughtime=answering( |$)/);
    const key = encodeURIComponent(await publicKeyOf(clockd));
    const port = clockd.port("roughtime", "udp");
    strictEqual(clockd.port("roughtime", "tcp"), port, "one port for both transports");
    for (const version of VERSIONS) {
      for (const scheme of ["roughtime", "roughtime+tcp"]) {
        const url = `${scheme}://127.0.0.1:${port}?key=${key}`;
        const result = await runClockd(["query", "--version", version, "--timeout", "3s", url]);
        strictEqual(result.code, 0, `${version} over ${scheme}: ${result.stdout}${result.stderr}`);
        match(result.stdout, /± \d/, `${version} over ${scheme}`);
      }
    }
    const metrics = await metricsText(clockd);
    const udpAnswers = /clockd_answers_total\{service="roughtime",transport="udp"\} (\d+)/
      .exec(metrics);
    ok(udpAnswers !== null && Number(udpAnswers[1]) >= VERSIONS.length, metrics);
  },
});

engineTest({
  name: "serve drops and counts malformed Roughtime datagrams and keeps answering",
  async fn() {
    await using clockd = await startRoughtime(["--ntp-sync", "always"]);
    const port = clockd.port("roughtime", "udp");
    const good = buildRoughtimeRequest({
      profiles: [ROUGHTIME_PROFILES.rfc],
      nonce: crypto.getRandomValues(new Uint8Array(32)),
    });
    const short = good.subarray(0, 500);
    const garbage = crypto.getRandomValues(new Uint8Array(1024));
    const badLength = good.slice();
    badLength[8] ^= 0xff; // the frame's length no longer matches
    for (const bad of [short, garbage, badLength, new Uint8Array(0)]) {
      strictEqual(await udpAsk(port, bad, 300), null, "no answer to a malformed request");
    }
    const answer = await udpAsk(port, good);
    ok(answer !== null && answer.length <= good.length, "a good request is still answered");
    match(
      await metricsText(clockd),
      /clockd_dropped_total\{service="roughtime",transport="udp",reason="malformed"\} 4/,
    );
  },
});

Deno.test("serve --roughtime-key answers under the file's key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clockd-roughtime-" });
  try {
    const path = `${dir}/root.key`;
    const publicKey = await writeRoughtimeSeedFile(path);
    await using clockd = await startRoughtime(
      ["--ntp-sync", "always", "--roughtime-key", path],
      startFlagsReading(dir),
    );
    strictEqual(await publicKeyOf(clockd), publicKey);
    match(clockd.stderr(), new RegExp(`from ${path}`));
    const url = `roughtime://127.0.0.1:${clockd.port("roughtime", "udp")}?key=${
      encodeURIComponent(publicKey)
    }`;
    const result = await runClockd(["query", "--timeout", "3s", url]);
    strictEqual(result.code, 0, result.stdout + result.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --roughtime-key refuses a missing file in one line", async () => {
  const result = await runClockd([
    "serve",
    "--roughtime",
    "127.0.0.1:0",
    "--roughtime-key",
    "/nonexistent/root.key",
  ], { permissions: startFlagsReading("/nonexistent") });
  strictEqual(result.code, 2);
  match(result.stderr, /--roughtime-key \/nonexistent\/root\.key: no such file \(make one with/);
  strictEqual(result.stderr.trim().split("\n").length, 1, result.stderr);
});

/** Whether the host clock is synchronised (null when the kernel cannot be read). */
function hostSynchronised(): boolean | null {
  const kernel = openKernelClock();
  if ("error" in kernel) return null;
  try {
    return kernel.read().synchronised;
  } finally {
    kernel.close();
  }
}

Deno.test({
  name: "serve answers no Roughtime while the kernel clock is unsynchronised, and says why",
  ignore: hostSynchronised() !== false,
  async fn() {
    await using clockd = await startRoughtime(["--ntp-sync", "kernel", "--session", "127.0.0.1:0"]);
    const request = buildRoughtimeRequest({
      profiles: [ROUGHTIME_PROFILES.rfc],
      nonce: crypto.getRandomValues(new Uint8Array(32)),
    });
    strictEqual(await udpAsk(clockd.port("roughtime", "udp"), request, 500), null);
    match(clockd.stderr(), /roughtime answers nothing while the host clock is unsynchronised/);
    using client = await LineClient.connect(clockd.port("session", "tcp"));
    match(await client.ask("status"), / roughtime=silent-unsynchronised( |$)/);
    match(
      await metricsText(clockd),
      /clockd_dropped_total\{service="roughtime",transport="udp",reason="unsynchronised"\} 1/,
    );
  },
});

/** Whether Botan's command-line tool (an independent Google-Roughtime client) is installed. */
const hasBotan = commandSucceeds("botan", ["--version"]);

engineTest({
  name: "Botan's roughtime client verifies clockd's Google-Roughtime answers",
  ignore: !hasBotan,
  async fn() {
    await using clockd = await startRoughtime(["--ntp-sync", "always"]);
    const key = await publicKeyOf(clockd);
    const dir = await Deno.makeTempDir({ prefix: "clockd-botan-" });
    try {
      const chain = `${dir}/chain`;
      const port = clockd.port("roughtime", "udp");
      const output = await new Deno.Command("botan", {
        args: ["roughtime", `--host=127.0.0.1:${port}`, `--pubkey=${key}`, `--chain-file=${chain}`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(output.stdout) +
        new TextDecoder().decode(output.stderr);
      strictEqual(output.code, 0, text);
      match(text, /^UTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \(\+-\d+us\) Local clock match/);
      // Botan replays and re-verifies the stored answer.
      const check = await new Deno.Command("botan", {
        args: ["roughtime_check", chain],
        stdout: "piped",
        stderr: "piped",
      }).output();
      strictEqual(check.code, 0, new TextDecoder().decode(check.stdout));
      match(new TextDecoder().decode(check.stdout), /1: UTC \d{4}-/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
