/**
 * One load-generator process of the benchmark. The parent starts several,
 * each with a {@linkcode WorkerSpec} as its only argument:
 *
 * 1. it sets its clients up (connects sessions; for `idle`, every session
 *    also asks once) and prints `{"event":"ready","held":N}`;
 * 2. on a `go` line on stdin, the clients run closed loops (each waits for
 *    its answer before asking again) for the warm-up and the measured
 *    seconds (for `idle`, every session asks once more);
 * 3. it prints `{"event":"result",...}` ({@linkcode WorkerResult}: counts and
 *    a latency histogram, not every value) and exits.
 *
 * Every answer is checked; a wrong or late one (past `timeoutMs`, enforced
 * by one watchdog sweep, no timer per request) counts as an error. The
 * process exits when stdin closes, so it never outlives its parent.
 *
 * @module
 */

import { systemClock } from "../src/time/clock.ts";
import { buildNtpRequest, parseNtpReply } from "../src/protocols/ntp/client.ts";
import { type HistogramData, LatencyHistogram } from "./stats.ts";
import { PIPELINE_DEPTH, type WorkloadName } from "./workloads.ts";

/** What one load process is asked to do. */
export interface WorkerSpec {
  /** The workload to run. */
  workload: WorkloadName;
  /** The listener's address (loopback). */
  hostname: string;
  /** The listener's port. */
  port: number;
  /** Clients of this process (for `idle`, sessions). */
  clients: number;
  /** Seconds run before measuring (not for `idle`). */
  warmupSeconds: number;
  /** Seconds measured (not for `idle`). */
  seconds: number;
  /** An answer later than this (ms) is an error. */
  timeoutMs: number;
}

/** What a load process reports when done. */
export interface WorkerResult {
  /** Answers within the measured window (pipelined: lines). */
  ops: number;
  /** Length of the measured window, seconds (0 for `idle`). */
  windowSeconds: number;
  /** Failed asks: wrong answer, timeout, refused or reset connection. */
  errors: number;
  /** The first error's message, or null. */
  firstError: string | null;
  /** Latencies of the measured asks (pipelined: per batch), µs. */
  histogram: HistogramData;
  /** Sessions or clients set up; for `idle`, sessions that answered both asks. */
  held: number;
  /** NTP answers to an earlier ask, skipped. */
  stale: number;
}

/** A line a load process prints on stdout. */
export type WorkerMessage =
  | { event: "ready"; held: number }
  | ({ event: "result" } & WorkerResult);

/** How long an `idle` ask may take: 10,000 sessions waking at once queue behind each other. */
const IDLE_TIMEOUT_MS = 10_000;
/** `idle` sessions a process opens at once (stays well inside the listen backlog). */
const IDLE_CONNECT_CONCURRENCY = 64;
const WATCHDOG_PERIOD_MS = 50;
const encoder = new TextEncoder();
const SECONDS_1900_TO_1970 = 2_208_988_800;

/** Counts answers and errors; latencies only inside the measured window. */
class Tally {
  ops = 0;
  errors = 0;
  stale = 0;
  firstError: string | null = null;
  readonly histogram = new LatencyHistogram();
  /** The measured window, performance.now() ms; set on `go`. */
  from = 0;
  to = Infinity;

  fail(message: string): void {
    this.errors++;
    this.firstError ??= message;
  }

  /** One ask answered: started at t0, answered at t1 (ms); counted when t1 is in the window. */
  answered(t0: number, t1: number, ops = 1): void {
    if (t1 < this.from || t1 > this.to) return;
    this.ops += ops;
    this.histogram.record((t1 - t0) * 1000);
  }
}

/** A client the watchdog watches: `askedAt` is 0 while nothing is outstanding. */
interface Watched {
  askedAt: number;
  /** Ends the outstanding ask (closes its socket) so the client sees an error. */
  expire(): void;
}

/** One sweep for every client of the process, instead of a timer per ask. */
class Watchdog {
  readonly #watched = new Set<Watched>();
  readonly #timeoutMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  watch(client: Watched): void {
    this.#watched.add(client);
    this.#timer ??= setInterval(() => this.#sweep(), WATCHDOG_PERIOD_MS);
  }

  #sweep(): void {
    const late = performance.now() - this.#timeoutMs;
    for (const client of this.#watched) {
      if (client.askedAt !== 0 && client.askedAt < late) {
        client.askedAt = 0;
        client.expire();
      }
    }
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/** A client of one workload: set up before `go`, then run until the window ends. */
interface Client {
  setup(): Promise<boolean>;
  run(): Promise<void>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function closeQuietly(resource: { close(): void } | null): void {
  try {
    resource?.close();
  } catch { /* closed already */ }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/**
 * A persistent TCP session asking `timestamp` `depth` times per write and
 * reading `depth` answer lines, each of which must start with a digit.
 */
class SessionClient implements Client, Watched {
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;
  readonly #buffer = new Uint8Array(4096);
  readonly #request: Uint8Array;

  constructor(
    readonly spec: WorkerSpec,
    readonly tally: Tally,
    readonly watchdog: Watchdog,
    readonly depth: number,
  ) {
    this.#request = encoder.encode("timestamp\n".repeat(depth));
  }

  expire(): void {
    closeQuietly(this.#conn);
  }

  async setup(): Promise<boolean> {
    this.watchdog.watch(this);
    try {
      this.#conn = await Deno.connect({ hostname: this.spec.hostname, port: this.spec.port });
      this.#conn.setNoDelay(true);
      return true;
    } catch (error) {
      this.tally.fail(`connect: ${errorText(error)}`);
      return false;
    }
  }

  /** Sends one batch and reads its answers; throws on a wrong answer, EOF or timeout. */
  async #ask(conn: Deno.TcpConn): Promise<void> {
    await writeAll(conn, this.#request);
    let lines = 0;
    let lineStart = true;
    while (lines < this.depth) {
      let count: number | null;
      try {
        count = await conn.read(this.#buffer);
      } catch (error) {
        if (this.askedAt === 0) throw new Error(`no answer within ${this.spec.timeoutMs} ms`);
        throw error;
      }
      if (count === null) throw new Error(`server closed the session after ${lines} answers`);
      for (let i = 0; i < count; i++) {
        const byte = this.#buffer[i];
        if (lineStart && !isDigit(byte)) {
          const text = new TextDecoder().decode(this.#buffer.subarray(i, Math.min(count, i + 60)));
          throw new Error(`answer is not Unix seconds: ${JSON.stringify(text)}`);
        }
        lineStart = byte === 0x0a;
        if (lineStart) lines++;
      }
    }
  }

  async run(): Promise<void> {
    while (performance.now() < this.tally.to) {
      if (this.#conn === null && !(await this.setup())) {
        await sleep(10);
        continue;
      }
      const conn = this.#conn!;
      const t0 = performance.now();
      this.askedAt = t0;
      try {
        await this.#ask(conn);
        this.askedAt = 0;
        this.tally.answered(t0, performance.now(), this.depth);
      } catch (error) {
        this.askedAt = 0;
        this.tally.fail(errorText(error));
        closeQuietly(conn);
        this.#conn = null;
      }
    }
    closeQuietly(this.#conn);
  }
}

/** What a UDP client makes of a datagram: accepted, skipped (keep waiting), or why it is wrong. */
type Verdict = "ok" | "stale" | string;

/** A UDP client asking one datagram at a time; its socket is replaced after a timeout. */
class DatagramClient implements Client, Watched {
  askedAt = 0;
  #socket: Deno.DatagramConn | null = null;
  readonly #buffer = new Uint8Array(2048);

  constructor(
    readonly spec: WorkerSpec,
    readonly tally: Tally,
    readonly watchdog: Watchdog,
    /** The next request to send. */
    readonly request: () => Uint8Array,
    /** Checks an answer to the request just made. */
    readonly check: (answer: Uint8Array, request: Uint8Array) => Verdict,
  ) {}

  expire(): void {
    closeQuietly(this.#socket);
  }

  setup(): Promise<boolean> {
    this.watchdog.watch(this);
    this.#socket = Deno.listenDatagram({ transport: "udp", hostname: this.spec.hostname, port: 0 });
    return Promise.resolve(true);
  }

  async #ask(socket: Deno.DatagramConn, request: Uint8Array): Promise<void> {
    const target = {
      transport: "udp",
      hostname: this.spec.hostname,
      port: this.spec.port,
    } as const;
    await socket.send(request, target);
    while (true) {
      let answer: Uint8Array;
      try {
        [answer] = await socket.receive(this.#buffer);
      } catch (error) {
        if (this.askedAt === 0) throw new Error(`no answer within ${this.spec.timeoutMs} ms`);
        throw error;
      }
      const verdict = this.check(answer, request);
      if (verdict === "ok") return;
      if (verdict === "stale") {
        this.tally.stale++;
        continue;
      }
      throw new Error(verdict);
    }
  }

  async run(): Promise<void> {
    while (performance.now() < this.tally.to) {
      if (this.#socket === null) await this.setup();
      const socket = this.#socket!;
      const request = this.request();
      const t0 = performance.now();
      this.askedAt = t0;
      try {
        await this.#ask(socket, request);
        this.askedAt = 0;
        this.tally.answered(t0, performance.now());
      } catch (error) {
        this.askedAt = 0;
        this.tally.fail(errorText(error));
        closeQuietly(socket);
        this.#socket = null;
      }
    }
    closeQuietly(this.#socket);
  }
}

/** A one-shot TCP client: connect, read to EOF, close; the answer must not be empty. */
class OneShotClient implements Client, Watched {
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;
  readonly #buffer = new Uint8Array(1024);

  constructor(readonly spec: WorkerSpec, readonly tally: Tally, readonly watchdog: Watchdog) {}

  expire(): void {
    closeQuietly(this.#conn);
  }

  setup(): Promise<boolean> {
    this.watchdog.watch(this);
    return Promise.resolve(true);
  }

  async #ask(): Promise<void> {
    const conn = await Deno.connect({ hostname: this.spec.hostname, port: this.spec.port });
    this.#conn = conn;
    try {
      if (this.askedAt === 0) throw new Error(`no connection within ${this.spec.timeoutMs} ms`);
      let total = 0;
      while (true) {
        let count: number | null;
        try {
          count = await conn.read(this.#buffer);
        } catch (error) {
          if (this.askedAt === 0) throw new Error(`no EOF within ${this.spec.timeoutMs} ms`);
          throw error;
        }
        if (count === null) break;
        total += count;
      }
      if (total === 0) throw new Error("empty answer");
    } finally {
      this.#conn = null;
      closeQuietly(conn);
    }
  }

  async run(): Promise<void> {
    while (performance.now() < this.tally.to) {
      const t0 = performance.now();
      this.askedAt = t0;
      try {
        await this.#ask();
        this.askedAt = 0;
        this.tally.answered(t0, performance.now());
      } catch (error) {
        this.askedAt = 0;
        this.tally.fail(errorText(error));
        await sleep(1); // a refused connect fails at once: do not spin
      }
    }
  }
}

/** A datagram answer to `timestamp`: Unix seconds and a newline. */
function checkSessionDatagram(answer: Uint8Array): Verdict {
  if (answer.length > 1 && isDigit(answer[0]) && answer[answer.length - 1] === 0x0a) return "ok";
  return `answer is not Unix seconds: ${JSON.stringify(new TextDecoder().decode(answer))}`;
}

/** An RFC 868 answer: 4 bytes, seconds since 1900 within 2 s of this host's clock. */
function checkTimeDatagram(answer: Uint8Array): Verdict {
  if (answer.length !== 4) return `answer is ${answer.length} bytes, want 4`;
  const got = new DataView(answer.buffer, answer.byteOffset, 4).getUint32(0);
  const now = (Math.floor(Date.now() / 1000) + SECONDS_1900_TO_1970) >>> 0;
  const difference = (got - now) | 0; // modulo 2^32, as the era wraps
  return Math.abs(difference) <= 2 ? "ok" : `answer is ${difference} s from this host's clock`;
}

/** An NTP answer: mode 4, our transmit timestamp as origin; a kiss-o'-death is an error. */
function checkNtpDatagram(answer: Uint8Array, request: Uint8Array): Verdict {
  const reply = parseNtpReply(answer, request, systemClock.now());
  if ("ignore" in reply) return reply.ignore === "origin" ? "stale" : `NTP answer: ${reply.ignore}`;
  if (reply.kissCode !== null) return `NTP kiss-o'-death ${reply.kissCode}`;
  return "ok";
}

/** An `idle` session: asks once at setup, then once more on `go`. */
class IdleSession implements Watched {
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;
  #failed = false;
  static readonly request = encoder.encode("timestamp\n");

  constructor(readonly spec: WorkerSpec, readonly tally: Tally) {}

  expire(): void {
    closeQuietly(this.#conn);
  }

  get held(): boolean {
    return this.#conn !== null && !this.#failed;
  }

  /** Connects and asks; true when answered. */
  async open(): Promise<boolean> {
    try {
      this.#conn = await Deno.connect({ hostname: this.spec.hostname, port: this.spec.port });
    } catch (error) {
      this.#fail(`connect: ${errorText(error)}`);
      return false;
    }
    return await this.ask();
  }

  /** Asks once on the open session; true when answered. */
  async ask(): Promise<boolean> {
    const conn = this.#conn;
    if (conn === null || this.#failed) return false;
    const t0 = performance.now();
    this.askedAt = t0;
    try {
      await writeAll(conn, IdleSession.request);
      const buffer = new Uint8Array(64);
      let text = "";
      while (!text.includes("\n")) {
        const count = await conn.read(buffer);
        if (count === null) throw new Error("server closed the idle session");
        text += new TextDecoder().decode(buffer.subarray(0, count));
      }
      if (!isDigit(text.charCodeAt(0))) throw new Error(`answer is not Unix seconds: ${text}`);
      this.askedAt = 0;
      this.tally.answered(t0, performance.now());
      return true;
    } catch (error) {
      const late = this.askedAt === 0;
      this.askedAt = 0;
      this.#fail(late ? `no answer within ${IDLE_TIMEOUT_MS} ms` : errorText(error));
      return false;
    }
  }

  #fail(message: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.tally.fail(message);
    closeQuietly(this.#conn);
  }

  close(): void {
    closeQuietly(this.#conn);
  }
}

/** Runs `task` over `items` with at most `limit` running at once. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function makeClients(spec: WorkerSpec, tally: Tally, watchdog: Watchdog): Client[] {
  const make = (): Client => {
    switch (spec.workload) {
      case "session-tcp":
        return new SessionClient(spec, tally, watchdog, 1);
      case "session-pipelined":
        return new SessionClient(spec, tally, watchdog, PIPELINE_DEPTH);
      case "session-udp": {
        const request = encoder.encode("timestamp");
        return new DatagramClient(spec, tally, watchdog, () => request, checkSessionDatagram);
      }
      case "daytime-tcp":
        return new OneShotClient(spec, tally, watchdog);
      case "time-udp": {
        const request = new Uint8Array(0);
        return new DatagramClient(spec, tally, watchdog, () => request, checkTimeDatagram);
      }
      case "ntp": {
        const request = new Uint8Array(48);
        return new DatagramClient(
          spec,
          tally,
          watchdog,
          () => buildNtpRequest(systemClock.now(), request),
          checkNtpDatagram,
        );
      }
      case "idle":
        throw new RangeError("The idle workload has no closed-loop clients");
    }
  };
  return Array.from({ length: spec.clients }, make);
}

/**
 * Runs one load process: set up, report ready, wait for `go`, run, report.
 *
 * @param spec What to run.
 * @param go Resolves when the parent says go.
 * @param report Receives each message (printed as a JSON line by the entry point).
 */
export async function runWorker(
  spec: WorkerSpec,
  go: Promise<void>,
  report: (message: WorkerMessage) => void,
): Promise<void> {
  const tally = new Tally();
  if (spec.workload === "idle") {
    tally.from = 0;
    const watchdog = new Watchdog(Math.max(spec.timeoutMs, IDLE_TIMEOUT_MS));
    const sessions = Array.from({ length: spec.clients }, () => new IdleSession(spec, tally));
    for (const session of sessions) watchdog.watch(session);
    await forEachLimited(sessions, IDLE_CONNECT_CONCURRENCY, (session) => session.open());
    report({ event: "ready", held: sessions.filter((session) => session.held).length });
    await go;
    const answered = await Promise.all(sessions.map((session) => session.ask()));
    watchdog.stop();
    for (const session of sessions) session.close();
    const held = answered.filter(Boolean).length;
    report({ event: "result", ...summary(tally, 0, held) });
    return;
  }
  const watchdog = new Watchdog(spec.timeoutMs);
  const clients = makeClients(spec, tally, watchdog);
  const ready = await Promise.all(clients.map((client) => client.setup()));
  tally.to = -Infinity; // nothing counts before go
  report({ event: "ready", held: ready.filter(Boolean).length });
  await go;
  const start = performance.now();
  tally.from = start + spec.warmupSeconds * 1000;
  tally.to = tally.from + spec.seconds * 1000;
  await Promise.all(clients.map((client) => client.run()));
  watchdog.stop();
  report({ event: "result", ...summary(tally, spec.seconds, ready.filter(Boolean).length) });
}

function summary(tally: Tally, windowSeconds: number, held: number): WorkerResult {
  return {
    ops: tally.ops,
    windowSeconds,
    errors: tally.errors,
    firstError: tally.firstError,
    histogram: tally.histogram.toJSON(),
    held,
    stale: tally.stale,
  };
}

/** Resolves on the first line of stdin; exits the process when stdin closes (the parent is gone). */
async function stdinGo(): Promise<void> {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let resolveGo!: () => void;
  const go = new Promise<void>((resolve) => resolveGo = resolve);
  (async () => {
    while (true) {
      const { value, done } = await lines.read();
      if (done) Deno.exit(3);
      text += value;
      if (text.includes("\n")) resolveGo();
    }
  })();
  return await go;
}

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0]) as WorkerSpec;
  const print = (message: WorkerMessage) => console.log(JSON.stringify(message));
  // Bounded whatever the server does: set-up, warm-up, window and a last timeout, with margin.
  let hardDeadline: ReturnType<typeof setTimeout> | undefined;
  const go = stdinGo().then(() => {
    const idle = spec.workload === "idle";
    const ms = (idle ? 0 : (spec.warmupSeconds + spec.seconds) * 1000) +
      2 * Math.max(spec.timeoutMs, idle ? IDLE_TIMEOUT_MS : 0) + 5000;
    hardDeadline = setTimeout(() => {
      console.error(`load worker: still running ${ms} ms after go; exiting`);
      Deno.exit(4);
    }, ms);
  });
  await runWorker(spec, go, print);
  clearTimeout(hardDeadline);
  Deno.exit(0);
}
