/**
 * NTP time fidelity for `deno task bench`: clockd's NTP answers against
 * chronyd's, both serving this host's clock, queried by one client that
 * alternates which server goes first each round (the first query after a
 * pause carries the client's own wake-up on its way out, which would
 * otherwise be charged to one server). Reports each server's median round
 * trip and median offset, and the median difference of their offsets (the
 * client's own clock error cancels out of it). Skipped, with the reason,
 * when chronyd is not installed or cannot start.
 *
 * The client is `clockd query`'s: with FFI to libc, it reads its send time
 * from CLOCK_REALTIME just before sending and takes the answer's kernel
 * receive stamp as its receive time, the way both servers stamp requests,
 * so its own wake-up is not charged to either server.
 *
 * @module
 */

import type { NtpReply } from "../src/protocols/ntp/client.ts";
import { connectedUdpAvailable } from "../src/query/connected_udp.ts";
import { queryOnce } from "../src/query/query_once.ts";
import { parseQueryUrl, type QueryTarget } from "../src/query/query_url.ts";
import { percentile } from "./stats.ts";

/** Where Debian's chrony package puts the daemon. */
export const CHRONYD = "/usr/sbin/chronyd";
/** How long one query may wait for its answer (ms). */
const ANSWER_TIMEOUT_MS = 1000;
/** The pause between rounds (ms): a latency measure, not a load. */
const ROUND_PAUSE_MS = 10;

/** One server's medians, in microseconds. */
export interface FidelityFigures {
  /** Median round-trip delay: (T4 − T1) − (T3 − T2). */
  delayMicros: number;
  /** Median offset: ((T2 − T1) + (T3 − T4)) / 2. */
  offsetMicros: number;
}

/** What the fidelity run measured. */
export interface FidelityResult {
  /** Answered queries per server. */
  queries: number;
  /** How the client stamped its queries: `kernel` receive stamps, or `clock` reads. */
  client: "kernel" | "clock";
  clockd: FidelityFigures;
  chronyd: FidelityFigures;
  /** Median of clockd's offset minus chronyd's, pair by pair (µs). */
  offsetDifferenceMicros: number;
}

/** The result, or why it was not measured. */
export type Fidelity = FidelityResult | { skipped: string };

/**
 * chronyd's command line: a stratum-10 server of the local clock on
 * 127.0.0.1:`port`, configured by directives on the command line (no file),
 * never touching the clock (`-x`), in the foreground, with no command port.
 *
 * @param port The UDP port to serve.
 * @param pidFile Where chronyd keeps its pid.
 * @returns The arguments after the program.
 *
 * @example Usage
 * ```ts
 * import { chronydArgs } from "./ntp_fidelity.ts";
 * const args = chronydArgs(11123, "/tmp/chronyd.pid");
 * if (!args.includes("port 11123") || !args.includes("-x")) throw new Error();
 * ```
 */
export function chronydArgs(port: number, pidFile: string): string[] {
  return [
    "-x",
    "-d",
    "-u",
    "root",
    "local stratum 10",
    `port ${port}`,
    "bindaddress 127.0.0.1",
    "allow 127.0.0.1",
    "cmdport 0",
    `pidfile ${pidFile}`,
  ];
}

/**
 * The medians of paired replies: round trip and offset of each server, and
 * of the offset differences.
 *
 * @param pairs One clockd reply and one chronyd reply per round.
 * @param client How the client stamped them.
 * @returns The figures.
 *
 * @example Usage
 * ```ts
 * import { summarizeFidelity } from "./ntp_fidelity.ts";
 * const r = (offset: number, delay: number) => ({ offset, delay });
 * const result = summarizeFidelity([[r(10e-6, 80e-6), r(4e-6, 70e-6)]]);
 * if (result.offsetDifferenceMicros !== 6 || result.chronyd.delayMicros !== 70) throw new Error();
 * ```
 */
export function summarizeFidelity(
  pairs: readonly [Pick<NtpReply, "offset" | "delay">, Pick<NtpReply, "offset" | "delay">][],
  client: FidelityResult["client"] = "kernel",
): FidelityResult {
  const micros = (values: number[]) =>
    Math.round(percentile(values.toSorted((a, b) => a - b), 50) * 1e7) / 10;
  const figures = (k: 0 | 1): FidelityFigures => ({
    delayMicros: micros(pairs.map((p) => p[k].delay)),
    offsetMicros: micros(pairs.map((p) => p[k].offset)),
  });
  return {
    queries: pairs.length,
    client,
    clockd: figures(0),
    chronyd: figures(1),
    offsetDifferenceMicros: micros(pairs.map(([c, h]) => c.offset - h.offset)),
  };
}

/**
 * Starts chronyd, queries it and clockd alternately, and stops it.
 *
 * @param clockdPort clockd's NTP port on 127.0.0.1.
 * @param rounds How many queries each server gets.
 * @param chronyd The daemon's path.
 * @returns The figures, or why they were not measured.
 */
export async function measureFidelity(
  clockdPort: number,
  rounds: number,
  chronyd: string = CHRONYD,
): Promise<Fidelity> {
  try {
    await Deno.stat(chronyd);
  } catch {
    return { skipped: `${chronyd} is not installed (apt-get install chrony)` };
  }
  const port = freeUdpPort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(chronyd, {
      args: chronydArgs(port, `/tmp/clockd-bench-chronyd-${port}.pid`),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return { skipped: `chronyd did not start: ${error instanceof Error ? error.message : error}` };
  }
  const stderr = new Response(child.stderr).text();
  try {
    const clockd = parseQueryUrl(`ntp://127.0.0.1:${clockdPort}`);
    const reference = parseQueryUrl(`ntp://127.0.0.1:${port}`);
    // chronyd answers once it has bound its port.
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) {
      ready = await query(reference, 100) !== null;
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!ready) {
      child.kill("SIGTERM");
      const said = (await stderr).trim().split("\n").at(-1) ?? "";
      return { skipped: `chronyd did not answer${said === "" ? "" : `: ${said}`}` };
    }
    const pairs: [NtpReply, NtpReply][] = [];
    for (let round = 0; round < rounds; round++) {
      const clockdFirst = round % 2 === 0;
      const first = await query(clockdFirst ? clockd : reference, ANSWER_TIMEOUT_MS);
      const second = await query(clockdFirst ? reference : clockd, ANSWER_TIMEOUT_MS);
      if (first !== null && second !== null) {
        pairs.push(clockdFirst ? [first, second] : [second, first]);
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
    if (pairs.length === 0) return { skipped: "no round had both answers" };
    return summarizeFidelity(pairs, connectedUdpAvailable() ? "kernel" : "clock");
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // exited already
    }
    await child.status;
    await stderr.catch(() => "");
  }
}

/** A UDP port free on 127.0.0.1 just now. */
function freeUdpPort(): number {
  const probe = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

/** One NTP query as `clockd query` makes it: the reply, or null when none came in time. */
async function query(target: QueryTarget, timeoutMs: number): Promise<NtpReply | null> {
  const result = await queryOnce(target, { timeoutMs });
  return result.ntp !== null && result.failure === null ? result.ntp : null;
}
