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
 * @module
 */

import { buildNtpRequest, type NtpReply, parseNtpReply } from "../src/protocols/ntp/client.ts";
import { systemClock } from "../src/time/clock.ts";
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
): FidelityResult {
  const micros = (values: number[]) =>
    Math.round(percentile(values.toSorted((a, b) => a - b), 50) * 1e7) / 10;
  const figures = (k: 0 | 1): FidelityFigures => ({
    delayMicros: micros(pairs.map((p) => p[k].delay)),
    offsetMicros: micros(pairs.map((p) => p[k].offset)),
  });
  return {
    queries: pairs.length,
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
  const socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const client = new Client(socket);
  const stderr = new Response(child.stderr).text();
  try {
    const clockd = { hostname: "127.0.0.1", port: clockdPort, transport: "udp" as const };
    const reference = { hostname: "127.0.0.1", port, transport: "udp" as const };
    // chronyd answers once it has bound its port.
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) {
      ready = await client.query(reference, 100) !== null;
    }
    if (!ready) {
      child.kill("SIGTERM");
      const said = (await stderr).trim().split("\n").at(-1) ?? "";
      return { skipped: `chronyd did not answer${said === "" ? "" : `: ${said}`}` };
    }
    const pairs: [NtpReply, NtpReply][] = [];
    for (let round = 0; round < rounds; round++) {
      const clockdFirst = round % 2 === 0;
      const first = await client.query(clockdFirst ? clockd : reference, ANSWER_TIMEOUT_MS);
      const second = await client.query(clockdFirst ? reference : clockd, ANSWER_TIMEOUT_MS);
      if (first !== null && second !== null) {
        pairs.push(clockdFirst ? [first, second] : [second, first]);
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
    if (pairs.length === 0) return { skipped: "no round had both answers" };
    return summarizeFidelity(pairs);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // exited already
    }
    await child.status;
    await stderr.catch(() => "");
    socket.close();
  }
}

/** A UDP port free on 127.0.0.1 just now. */
function freeUdpPort(): number {
  const probe = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

/**
 * The client's socket, with at most one receive in flight (a query that
 * timed out leaves its receive for the next query, which drops the late
 * answer by its origin timestamp).
 */
class Client {
  readonly #socket: Deno.DatagramConn;
  #receiving: Promise<[Uint8Array, Deno.Addr]> | null = null;

  constructor(socket: Deno.DatagramConn) {
    this.#socket = socket;
  }

  /** One NTP query: the reply, or null on a timeout. */
  async query(server: Deno.NetAddr, timeoutMs: number): Promise<NtpReply | null> {
    const request = buildNtpRequest(systemClock.now());
    await this.#socket.send(request, server);
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const left = deadline - performance.now();
      if (left <= 0) return null;
      this.#receiving ??= this.#socket.receive();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const received = await Promise.race([
        this.#receiving,
        new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), left)),
      ]);
      clearTimeout(timer);
      if (received === null) return null;
      this.#receiving = null;
      const reply = parseNtpReply(received[0], request.subarray(40, 48), systemClock.now());
      if (!("ignore" in reply)) return reply;
    }
  }
}
