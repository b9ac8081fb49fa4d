/**
 * RFC 867 daytime, RFC 868 time and the NTP server against the real clockd
 * process, with real clients where they exist (nc, rdate, ntpdig, chronyd).
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { decodeRfc868 } from "../src/protocols/oneshot/rfc868.ts";
import { systemClock } from "../src/time/clock.ts";
import { openKernelClock } from "../src/time/kernel_clock.ts";
import {
  ALL_SERVICES,
  canBind,
  engineTest,
  hasProgram,
  IO_FLAGS,
  LineClient,
  START_FLAGS,
  startClockd,
  udpAsk,
} from "./_clockd.ts";

const decoder = new TextDecoder();
const ALL = ALL_SERVICES;
/** The NTP tests run on both engines. */
const NTP_PATHS = IO_FLAGS;
const DAYTIME =
  /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, [A-Z][a-z]+ \d{1,2}, \d{4} \d\d:\d\d:\d\d-UTC\r\n$/;

/** Seconds between a daytime line and now. */
function daytimeSkew(line: string): number {
  const parsed = Date.parse(line.replace(/^\w+, /, "").replace(/-UTC\r\n$/, " UTC"));
  return Math.abs(parsed / 1000 - Date.now() / 1000);
}

async function run(command: string, args: string[], timeoutMs = 10_000): Promise<string> {
  const child = new Deno.Command(command, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const output = await child.output();
  clearTimeout(timer);
  return decoder.decode(output.stdout) + decoder.decode(output.stderr);
}

/** A 48-byte NTP client request with the given first byte, poll and transmit timestamp. */
function ntpRequest(firstByte: number, poll = 6, transmit = [0x11223344, 0x55667788]): Uint8Array {
  const bytes = new Uint8Array(48);
  const view = new DataView(bytes.buffer);
  bytes[0] = firstByte;
  bytes[2] = poll;
  view.setUint32(40, transmit[0]);
  view.setUint32(44, transmit[1]);
  return bytes;
}

engineTest({
  name: "daytime over TCP: one line in the daytime format, CRLF, then close",
  async fn() {
    await using server = await startClockd(ALL);
    using client = await LineClient.connect(server.port("daytime", "tcp"));
    const line = await client.readLine();
    match(line!, DAYTIME);
    ok(daytimeSkew(line!) < 2, line!);
    ok(await client.closedByServer());
  },
});

Deno.test("daytime over UDP: every datagram, empty ones too, gets the line", async () => {
  await using server = await startClockd(ALL);
  const port = server.port("daytime", "udp");
  for (const payload of ["", "anything", new Uint8Array([0, 1, 2, 255])]) {
    match(decoder.decode((await udpAsk(port, payload))!), DAYTIME);
  }
});

engineTest({
  name: "daytime --daytime-format nist answers the NIST layout",
  async fn() {
    await using server = await startClockd([
      "--daytime",
      "127.0.0.1:0",
      "--daytime-format",
      "nist",
    ]);
    using client = await LineClient.connect(server.port("daytime", "tcp"));
    match(
      (await client.readLine())!,
      /^\d{5} \d\d-\d\d-\d\d \d\d:\d\d:\d\d \d\d \d \d +\d+\.\d UTC\(clockd\) \*\r\n$/,
    );
  },
});

engineTest({
  name: "time over TCP and UDP: 4 bytes, seconds since 1900, era-correct",
  async fn() {
    await using server = await startClockd(ALL);
    using client = await LineClient.connect(server.port("time", "tcp"));
    const tcp = new Uint8Array(8);
    let length = 0;
    while (true) {
      const count = await client.conn.read(tcp.subarray(length));
      if (count === null) break;
      length += count;
    }
    strictEqual(length, 4);
    const now = systemClock.now();
    ok(Math.abs(decodeRfc868(tcp.subarray(0, 4), now).seconds - now.seconds) <= 2);
    for (const payload of ["", "x", new Uint8Array(1000)]) {
      const udp = await udpAsk(server.port("time", "udp"), payload);
      strictEqual(udp!.length, 4);
      ok(Math.abs(decodeRfc868(udp!, now).seconds - now.seconds) <= 2);
    }
  },
});

for (const mode of NTP_PATHS) {
  Deno.test(`NTP: the answer's fields, field by field${mode.name}`, async () => {
    await using server = await startClockd([...ALL, ...mode.flags]);
    const port = server.port("ntp", "udp");
    for (const version of [1, 2, 3, 4]) {
      const request = ntpRequest((version << 3) | 3, 10);
      const before = systemClock.now();
      const answer = await udpAsk(port, request);
      const after = systemClock.now();
      strictEqual(answer!.length, 48);
      const view = new DataView(answer!.buffer, answer!.byteOffset);
      strictEqual(answer![0] >> 6, 0, "LI 0 with --ntp-sync always");
      strictEqual((answer![0] >> 3) & 7, version, "VN copied");
      strictEqual(answer![0] & 7, 4, "mode 4");
      strictEqual(answer![1], 10, "stratum 10");
      strictEqual(answer![2], 10, "poll copied");
      ok(view.getInt8(3) <= -10 && view.getInt8(3) >= -30, "precision from the clock");
      strictEqual(decoder.decode(answer!.subarray(12, 16)), "LOCL");
      deepStrictEqual([...answer!.subarray(24, 32)], [...request.subarray(40, 48)], "origin");
      const unixOf = (offset: number) =>
        view.getUint32(offset) - 2_208_988_800 + view.getUint32(offset + 4) / 2 ** 32;
      const receive = unixOf(32);
      const transmit = unixOf(40);
      ok(receive <= transmit, "receive before transmit");
      ok(receive >= before.seconds - 0.001 && transmit <= after.seconds + 1.001, "stamped now");
      ok(unixOf(16) <= receive, "reference time not after receive");
    }
  });
}

for (const mode of NTP_PATHS) {
  Deno.test(`NTP: --ntp-stratum and --ntp-refid are announced${mode.name}`, async () => {
    await using server = await startClockd([
      ...mode.flags,
      "--ntp",
      "127.0.0.1:0",
      "--ntp-sync",
      "always",
      "--ntp-stratum",
      "3",
      "--ntp-refid",
      "GPS",
    ]);
    const answer = await udpAsk(server.port("ntp", "udp"), ntpRequest(0x23));
    strictEqual(answer![1], 3);
    deepStrictEqual([...answer!.subarray(12, 16)], [0x47, 0x50, 0x53, 0]);
  });
}

for (const mode of NTP_PATHS) {
  Deno.test(`NTP: invalid requests are dropped, the server keeps answering${mode.name}`, async () => {
    await using server = await startClockd([...ALL, ...mode.flags]);
    const port = server.port("ntp", "udp");
    const invalid: [string, Uint8Array][] = [
      ["empty", new Uint8Array(0)],
      ["47 bytes", ntpRequest(0x23).subarray(0, 47)],
      ["mode 4 (a server answer)", ntpRequest(0x24)],
      ["mode 1 (symmetric)", ntpRequest(0x21)],
      ["mode 5 (broadcast)", ntpRequest(0x25)],
      ["mode 6 (control)", ntpRequest(0x26)],
      ["mode 7 (private)", ntpRequest(0x27)],
      ["version 0", ntpRequest(0x03)],
      ["version 5", ntpRequest(0x2b)],
      ["version 7", ntpRequest(0x3b)],
      ["garbage", new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n" + "x".repeat(40))],
    ];
    for (const [name, payload] of invalid) {
      strictEqual(await udpAsk(port, payload, 300), null, `${name} is dropped`);
    }
    const withExtension = new Uint8Array(48 + 20);
    withExtension.set(ntpRequest(0x23));
    strictEqual((await udpAsk(port, withExtension))!.length, 48, "MAC/extension ignored");
    strictEqual((await udpAsk(port, ntpRequest(0x23)))!.length, 48);
  });
}

/** Why the kernel clock cannot be read here, or null (decided before the tests run). */
const KERNEL_CLOCK_ERROR = (() => {
  const kernel = openKernelClock();
  if ("error" in kernel) return kernel.error;
  kernel.close();
  return null;
})();

Deno.test({
  name: "NTP --ntp-sync kernel reports what the real kernel says",
  ignore: KERNEL_CLOCK_ERROR !== null,
  fn: async () => {
    const kernel = openKernelClock();
    if ("error" in kernel) throw new Error(kernel.error);
    const status = kernel.read();
    kernel.close();
    // The harness runs clockd with deno task start's permissions: FFI scoped to libc.
    await using server = await startClockd(
      ["--ntp", "127.0.0.1:0", "--session", "127.0.0.1:0/tcp", "--ntp-sync", "kernel"],
    );
    const answer = await udpAsk(server.port("ntp", "udp"), ntpRequest(0x23));
    using client = await LineClient.connect(server.port("session", "tcp"));
    const line = await client.ask("status");
    if (status.synchronised) {
      strictEqual(answer![1], 10);
      match(line, /^OK synchronised=yes stratum=10 error=\d+\.\d{6}s sync=kernel /);
    } else {
      strictEqual(answer![0] >> 6, 3, "LI 3: unsynchronised");
      strictEqual(answer![1], 0, "stratum 0");
      match(line, /^OK synchronised=no stratum=0 error=\d+\.\d{6}s sync=kernel /);
    }
  },
});

Deno.test("NTP --ntp-sync kernel without FFI falls back to always with one warning", async () => {
  await using server = await startClockd(
    ["--ntp", "127.0.0.1:0", "--session", "127.0.0.1:0/tcp", "--ntp-sync", "kernel"],
    { permissions: START_FLAGS.filter((flag) => !flag.startsWith("--allow-ffi")) },
  );
  const answer = await udpAsk(server.port("ntp", "udp"), ntpRequest(0x23));
  strictEqual(answer![1], 10);
  using client = await LineClient.connect(server.port("session", "tcp"));
  match(await client.ask("status"), /^OK synchronised=yes stratum=10 error=unknown sync=always /);
  strictEqual(server.stderr().match(/falling back to always/g)?.length, 1);
});

Deno.test("only the listeners named are served when any listener flag is given", async () => {
  await using server = await startClockd(["--time", "127.0.0.1:0/udp"]);
  deepStrictEqual(
    server.listeners.map((l) => `${l.service}/${l.transport}`),
    ["time/udp"],
  );
});

Deno.test({
  name: "daytime: the real nc reads it over TCP and UDP",
  ignore: !hasProgram("nc"),
  async fn() {
    await using server = await startClockd(ALL);
    const port = String(server.port("daytime", "tcp"));
    match(await run("nc", ["-N", "127.0.0.1", port]), DAYTIME);
    const child = new Deno.Command("nc", {
      args: ["-u", "-w1", "127.0.0.1", port],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("\n"));
    await writer.close();
    match(decoder.decode((await child.output()).stdout), DAYTIME);
  },
});

Deno.test({
  name: "time: the real rdate reads it over TCP (-p) and UDP (-p -u)",
  ignore: !hasProgram("rdate"),
  async fn() {
    await using server = await startClockd(ALL);
    const port = String(server.port("time", "tcp"));
    for (const flags of [["-p"], ["-p", "-u"]]) {
      const out = await run("rdate", [...flags, "-o", port, "127.0.0.1"]);
      const skew = Math.abs(Date.parse(out.trim()) / 1000 - Date.now() / 1000);
      ok(skew < 3, `rdate ${flags.join(" ")}: ${out}`);
    }
  },
});

for (const mode of NTP_PATHS) {
  Deno.test({
    name: `NTP: the real rdate -n (SNTP) and chronyd -Q read it${mode.name}`,
    ignore: !hasProgram("rdate") || !hasProgram("chronyd"),
    async fn() {
      await using server = await startClockd([...ALL, ...mode.flags]);
      const port = String(server.port("ntp", "udp"));
      const sntp = await run("rdate", ["-p", "-n", "-o", port, "127.0.0.1"]);
      ok(Math.abs(Date.parse(sntp.trim()) / 1000 - Date.now() / 1000) < 3, sntp);
      // -Q: query and print, never set the clock; -f /dev/null: no config.
      const chrony = await run("chronyd", [
        "-Q",
        "-t",
        "5",
        "-f",
        "/dev/null",
        `server 127.0.0.1 port ${port} iburst maxsamples 1`,
      ]);
      const wrong = /System clock wrong by (-?\d+\.\d+) seconds/.exec(chrony);
      ok(wrong !== null, chrony);
      ok(Math.abs(Number(wrong![1])) < 0.01, `chronyd offset ${wrong![1]} s`);
    },
  });
}

Deno.test({
  name: "NTP: the real ntpdig reads an offset within a few ms (port 123 on 127.0.0.123)",
  // ntpdig always queries port 123: ignored where 127.0.0.123:123 cannot be bound here.
  ignore: !hasProgram("ntpdig") || !canBind("udp", "127.0.0.123", 123),
  async fn() {
    await using running = await startClockd(["--ntp", "127.0.0.123:123", "--ntp-sync", "always"]);
    strictEqual(running.port("ntp", "udp"), 123);
    const out = await run("ntpdig", ["-t", "2", "127.0.0.123"]);
    // e.g. "2026-11-21 11:00:58.469223 (+0000) +0.000084 +/- 0.000183 127.0.0.123 s10 no-leap"
    const fields = /\(\+0000\) ([+-]\d+\.\d+) \+\/- (\d+\.\d+) 127\.0\.0\.123 s10/.exec(out);
    ok(fields !== null, out);
    ok(Math.abs(Number(fields![1])) < 0.005, `ntpdig offset ${fields![1]} s`);
  },
});

Deno.test("bad input to every UDP service: truncated, oversized, random; all keep answering", async () => {
  await using server = await startClockd(ALL);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const services = ["session", "daytime", "time", "ntp"];
  for (let i = 0; i < 60; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 1500));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    const service = services[i % services.length];
    await udpAsk(server.port(service, "udp"), bytes, 50);
  }
  match(decoder.decode((await udpAsk(server.port("session", "udp"), "timestamp"))!), /^\d+\n$/);
  match(decoder.decode((await udpAsk(server.port("daytime", "udp"), ""))!), DAYTIME);
  strictEqual((await udpAsk(server.port("time", "udp"), ""))!.length, 4);
  strictEqual((await udpAsk(server.port("ntp", "udp"), ntpRequest(0x23)))!.length, 48);
});
