/**
 * The leap-seconds file in a running clockd: announcements over NTP, the
 * smear listener, warnings, gauges, and SIGHUP; and the session protocol's
 * 23:59:60 from the kernel's TIME_OOP.
 */

import { match, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Clockd, startClockd, startFlagsReading, udpAsk } from "./_clockd.ts";
import { leapSecondsListText, writeLeapFiles } from "./_leap_files.ts";
import { FakeKernel } from "./_fake_kernel.ts";
import { buildNtpRequest } from "../src/protocols/ntp/client.ts";
import { readNtpTimestamp } from "../src/protocols/ntp/timestamp.ts";
import { NTP_UNIX_EPOCH_OFFSET } from "../src/protocols/ntp/constants.ts";
import { SessionProtocol } from "../src/protocols/session/session_protocol.ts";
import { fixedClock, systemClock } from "../src/time/clock.ts";
import { getFormat } from "../src/time/formats.ts";
import { TimeState } from "../src/time/kernel_clock.ts";
import { LEAP_SECONDS } from "../src/time/leap_table.ts";
import { parseLeapSecondsList } from "../src/time/leap_seconds_list.ts";
import { smearOffsetNanos } from "../src/time/leap_smear.ts";
import { UTC } from "../src/time/zone.ts";

const DAY = 86_400;

/** Starts clockd on loopback with an NTP and a smear listener, reading `leapFile`. */
function startWithLeapFile(dir: string, leapFile: string, extra: string[] = []): Promise<Clockd> {
  return startClockd([
    "--session",
    "127.0.0.1:0",
    "--ntp",
    "127.0.0.1:0",
    "--ntp-smear",
    "127.0.0.1:0",
    "--metrics",
    "127.0.0.1:0",
    "--http",
    "127.0.0.1:0",
    "--ntp-sync",
    "always",
    "--udp-rate",
    "off",
    "--workers",
    "1",
    "--leap-file",
    leapFile,
    ...extra,
  ], { permissions: startFlagsReading(dir) });
}

/** One NTP exchange: the leap indicator and the transmit time (Unix nanoseconds). */
async function askNtp(port: number): Promise<{ leap: number; transmitNanos: bigint }> {
  const answer = await udpAsk(port, buildNtpRequest(systemClock.now()));
  if (answer === null) throw new Error("no NTP answer");
  const view = new DataView(answer.buffer, answer.byteOffset, answer.byteLength);
  const transmit = readNtpTimestamp(view, 40);
  const nanos = BigInt(transmit.seconds - NTP_UNIX_EPOCH_OFFSET) * 1_000_000_000n +
    (BigInt(transmit.fraction) * 1_000_000_000n >> 32n);
  return { leap: answer[0] >> 6, transmitNanos: nanos };
}

/** Waits until clockd's log has a line matching `pattern` (within 5 s). */
async function logLine(clockd: Clockd, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const line = clockd.stderr().split("\n").find((text) => pattern.test(text));
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no log line matching ${pattern}: ${clockd.stderr()}`);
}

async function metricsText(clockd: Clockd): Promise<string> {
  const { hostname, port } = clockd.metrics!;
  const response = await fetch(`http://${hostname}:${port}/metrics`);
  return await response.text();
}

async function sessionAnswer(clockd: Clockd, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: clockd.port("session", "tcp") });
  try {
    await conn.write(new TextEncoder().encode(request + "\nquit\n"));
    const buffer = new Uint8Array(512);
    const count = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, count ?? 0)).split("\n")[0];
  } finally {
    conn.close();
  }
}

Deno.test("serve --leap-file announces the crafted insertion (LI=1) and the smear listener LI=0", async () => {
  const files = await writeLeapFiles();
  try {
    await using clockd = await startWithLeapFile(files.dir, files.insertion);
    strictEqual((await askNtp(clockd.port("ntp", "udp"))).leap, 1);
    strictEqual((await askNtp(clockd.port("ntp-smear", "udp"))).leap, 0);
    match(
      await sessionAnswer(clockd, "status"),
      / leap=insert .*tz=\d{4}[a-z]+\+? tzdata=\S+ leapfile=ok leapexpires=\d{4}-\d\d-\d\d/,
    );
    const stats = await (await fetch(`http://127.0.0.1:${clockd.port("http", "tcp")}/api/stats`))
      .json();
    strictEqual(stats.leap, "insert");
    strictEqual(stats.time_data.leap_file, files.insertion);
    strictEqual(stats.time_data.leap_file_state, "ok");
    strictEqual(stats.time_data.leap_source, "file");
    match(await logLine(clockd, /leap seconds:/), /\[INF\].*valid until/);
    const metrics = await metricsText(clockd);
    match(metrics, /^clockd_leap_file_valid 1$/m);
    const expiry = Number(/^clockd_leap_file_expiry_seconds (\d+)$/m.exec(metrics)?.[1]);
    strictEqual(expiry, parseLeapSecondsList(await Deno.readTextFile(files.insertion)).expires);
    match(metrics, /clockd_build_info\{[^}]*tz_runtime="\d{4}[a-z]+\+?"/);
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});

Deno.test("serve --leap-file announces the crafted deletion (LI=2)", async () => {
  const files = await writeLeapFiles();
  try {
    await using clockd = await startWithLeapFile(files.dir, files.deletion);
    strictEqual((await askNtp(clockd.port("ntp", "udp"))).leap, 2);
    strictEqual((await askNtp(clockd.port("ntp-smear", "udp"))).leap, 0);
    match(await sessionAnswer(clockd, "status"), / leap=delete/);
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});

for (
  const [kind, pattern] of [
    ["expired", /\[WRN\].*leap seconds: .*expired on/],
    ["badHash", /\[WRN\].*leap seconds: .*hash mismatch.*built-in table/],
  ] as const
) {
  Deno.test(`serve --leap-file warns at start about the ${kind} file and /metrics says invalid`, async () => {
    const files = await writeLeapFiles();
    try {
      await using clockd = await startWithLeapFile(files.dir, files[kind]);
      await logLine(clockd, pattern);
      match(await metricsText(clockd), /^clockd_leap_file_valid 0$/m);
      strictEqual((await askNtp(clockd.port("ntp", "udp"))).leap, 0);
    } finally {
      await Deno.remove(files.dir, { recursive: true });
    }
  });
}

Deno.test("serve reads the leap file again on SIGHUP: the answers change, the session stays", async () => {
  const files = await writeLeapFiles();
  const live = `${files.dir}/live.list`;
  try {
    await Deno.copyFile(files.insertion, live);
    await using clockd = await startWithLeapFile(files.dir, live);
    strictEqual((await askNtp(clockd.port("ntp", "udp"))).leap, 1);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: clockd.port("session", "tcp") });
    try {
      await Deno.copyFile(files.deletion, live);
      clockd.process.kill("SIGHUP");
      await logLine(clockd, /SIGHUP: leap seconds: .*valid until/);
      strictEqual((await askNtp(clockd.port("ntp", "udp"))).leap, 2);
      await conn.write(new TextEncoder().encode("status\n"));
      const buffer = new Uint8Array(512);
      const count = await conn.read(buffer);
      match(new TextDecoder().decode(buffer.subarray(0, count ?? 0)), /^OK .* leap=delete/);
      await Deno.copyFile(files.badHash, live);
      clockd.process.kill("SIGHUP");
      await logLine(clockd, /\[WRN\].*SIGHUP: leap seconds: .*hash mismatch/);
    } finally {
      conn.close();
    }
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});

Deno.test("serve --ntp-smear answers the smeared time its function gives for now", async () => {
  // A leap inserted at the midnight nearest now: within twelve hours, so
  // the smear of it is under way (before or after the leap).
  const now = Math.floor(Date.now() / 1000);
  const leapAt = Math.round(now / DAY) * DAY;
  const last = LEAP_SECONDS[LEAP_SECONDS.length - 1];
  const entries = [...LEAP_SECONDS, { unixSeconds: leapAt, taiMinusUtc: last.taiMinusUtc + 1 }];
  const dir = await Deno.makeTempDir({ prefix: "clockd-smear-" });
  try {
    const file = `${dir}/smear.list`;
    await Deno.writeTextFile(
      file,
      leapSecondsListText({ entries, updated: now - DAY, expires: now + 100 * DAY }),
    );
    await using clockd = await startWithLeapFile(dir, file);
    const plain = await askNtp(clockd.port("ntp", "udp"));
    const smeared = await askNtp(clockd.port("ntp-smear", "udp"));
    const expected = smearOffsetNanos(systemClock.now(), entries);
    notStrictEqual(expected, 0, "the smear is under way");
    const measured = Number(smeared.transmitNanos - plain.transmitNanos);
    // The two answers are a loopback round trip apart (well under 50 ms).
    ok(
      Math.abs(measured - expected) < 50_000_000,
      `smeared minus plain ${measured} ns, the function says ${expected} ns`,
    );
    strictEqual(smeared.leap, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve refuses an --ntp-smear listener on an --ntp address", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-all",
      new URL("../main.ts", import.meta.url).pathname,
      "serve",
      "--ntp",
      "127.0.0.1:10999",
      "--ntp-smear",
      ":10999",
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  strictEqual(code, 2);
  match(
    new TextDecoder().decode(stderr),
    /--ntp-smear :10999: the smeared NTP listener must not share an address with --ntp 127\.0\.0\.1:10999/,
  );
});

Deno.test("SessionProtocol writes 23:59:60 while the kernel shows the inserted second", () => {
  // 2016-12-31T23:59:59.5Z, the second copy: the kernel says TIME_OOP.
  const instant = { seconds: 1_483_228_799, nanos: 500_000_000 };
  const kernel = new FakeKernel({ state: TimeState.OOP, time: instant });
  const protocol = new SessionProtocol({
    clock: fixedClock(instant),
    defaultFormat: getFormat("go")!,
    defaultZone: UTC,
    kernel,
  });
  const state = protocol.newState(true);
  strictEqual(protocol.answerText(state, "rfc3339"), "2016-12-31T23:59:60Z");
  match(protocol.answerText(state, "go"), /^2016-12-31 23:59:60\.5 \+0000 UTC/);
  kernel.status = { ...kernel.status, state: TimeState.OK };
  strictEqual(protocol.answerText(state, "rfc3339"), "2016-12-31T23:59:59Z");
  ok(kernel.reads >= 2, "the kernel is asked near the leap");
  const away = new SessionProtocol({
    clock: fixedClock({ seconds: 1_483_228_000, nanos: 0 }),
    defaultFormat: getFormat("go")!,
    defaultZone: UTC,
    kernel,
  });
  const reads = kernel.reads;
  away.answerText(away.newState(true), "rfc3339");
  strictEqual(kernel.reads, reads, "away from a leap the kernel is not asked");
});
