/**
 * clockd's counters, and their two renderings: the Prometheus text
 * exposition format 0.0.4 (for `/metrics`) and one short line (for the
 * session protocol's `stats` command).
 *
 * The hot path is an increment of a preallocated number slot: each loop
 * asks {@linkcode Metrics.counter} once, at startup, for the
 * {@linkcode ServiceCounters} of its service and transport, then does
 * `c.requests++`, `c.drops.oversized++`, `c.sessionsClosed[reason]++`: no
 * string is built and no map is searched per request.
 *
 * Counters live in one isolate. With `--workers`, each TCP worker keeps its
 * own registry and posts {@linkcode Metrics.snapshot} to the primary now and
 * then; the primary hands each to {@linkcode Metrics.include}, and renders
 * the sums.
 *
 * Process figures are sampled when rendering: resident memory and V8 heap
 * (`Deno.memoryUsage()`, no permission), start time and uptime
 * (`performance`), and, when FFI to libc is granted (the
 * `--allow-ffi=/lib/x86_64-linux-gnu/libc.so.6` the kernel clock and
 * sd_notify use), open and maximum file descriptors. Deno 2.9 asks for
 * `--allow-all` to read anything under `/proc/self`, even with
 * `--allow-read`, so the descriptors are counted through libc instead
 * (`getdents64` on `/proc/self/fd`, `getrlimit`); without FFI those two
 * figures are left out. The event-loop lag is measured only once
 * {@linkcode Metrics.startEventLoopMonitor} runs (one timer a second).
 *
 * @module
 */

import type { Transport } from "../cli/listen_address.ts";
import { openLibc } from "../io/linux/libc.ts";
import { VERSION } from "../cli/version.ts";

/** `"tcp"` or `"udp"`, as the listeners name them. */
export type { Transport };

/** Why a request or datagram was dropped without an answer. */
export const DROP_REASONS = [
  "oversized",
  "rate-limited",
  "denied",
  "malformed",
  "reflection",
  "amplification",
] as const;
/** A {@linkcode DROP_REASONS} entry. */
export type DropReason = (typeof DROP_REASONS)[number];

/** Why a TCP session ended (as the session service reports it). */
export const SESSION_CLOSE_REASONS = [
  "idle",
  "quit",
  "cap",
  "busy",
  "peer",
  "error",
  "shutdown",
] as const;
/** A {@linkcode SESSION_CLOSE_REASONS} entry. */
export type SessionCloseReason = (typeof SESSION_CLOSE_REASONS)[number];

/**
 * Why a TCP connection was refused before any service read from it:
 * `busy` past `--max-sessions` or `--max-sessions-per-ip`, `rate-limited`
 * past `--tcp-rate`, `denied` by an access rule.
 */
export const REFUSE_REASONS = ["busy", "rate-limited", "denied"] as const;
/** A {@linkcode REFUSE_REASONS} entry. */
export type RefuseReason = (typeof REFUSE_REASONS)[number];

/** One count per drop reason. */
export type DropCounts = Record<DropReason, number>;
/** One count per session close reason. */
export type SessionCloseCounts = Record<SessionCloseReason, number>;
/** One count per refusal reason. */
export type RefuseCounts = Record<RefuseReason, number>;

/** Options of {@linkcode Metrics.counter}. */
export interface CounterOptions {
  /**
   * Whether the session figures (open, closed, refused) are rendered.
   *
   * @default {true for tcp, false for udp}
   */
  sessions?: boolean;
}

/**
 * The counters of one service on one transport as plain data: what
 * {@linkcode Metrics.snapshot} returns, structured-clone safe, for a TCP
 * worker to post to the primary.
 */
export interface CounterSnapshot {
  /** The service, e.g. `"session"`, `"ntp"`. */
  readonly service: string;
  /** `"tcp"` or `"udp"`. */
  readonly transport: Transport;
  /** Whether the session figures are rendered. */
  readonly sessions: boolean;
  /** Requests received. */
  readonly requests: number;
  /** Answers sent. */
  readonly answers: number;
  /** Requests that failed. */
  readonly errors: number;
  /** Requests dropped unanswered, by reason. */
  readonly drops: Readonly<DropCounts>;
  /** TCP sessions open now. */
  readonly sessionsOpen: number;
  /** TCP sessions ended, by reason. */
  readonly sessionsClosed: Readonly<SessionCloseCounts>;
  /** TCP connections refused, by reason. */
  readonly refused: Readonly<RefuseCounts>;
}

/**
 * The counters of one service on one transport. Loops hold on to it and
 * increment its fields directly.
 */
export class ServiceCounters implements CounterSnapshot {
  /** The service, e.g. `"session"`, `"ntp"`. */
  readonly service: string;
  /** `"tcp"` or `"udp"`. */
  readonly transport: Transport;
  /** Whether the session figures are rendered. */
  readonly sessions: boolean;
  /** Requests received: complete lines, datagrams, or connections for one-shot TCP services. */
  requests = 0;
  /** Answers sent. */
  answers = 0;
  /** Requests that failed: answered with an error (an `ERR` line, a kiss-o'-death) or failing inside clockd. */
  errors = 0;
  /** Requests dropped unanswered, by reason. */
  readonly drops: DropCounts = {
    oversized: 0,
    "rate-limited": 0,
    denied: 0,
    malformed: 0,
    reflection: 0,
    amplification: 0,
  };
  /** TCP sessions open now (a gauge: increment on open, decrement on close). */
  sessionsOpen = 0;
  /** TCP sessions ended, by reason. */
  readonly sessionsClosed: SessionCloseCounts = {
    idle: 0,
    quit: 0,
    cap: 0,
    busy: 0,
    peer: 0,
    error: 0,
    shutdown: 0,
  };
  /** TCP connections refused before a service read from them, by reason. */
  readonly refused: RefuseCounts = { busy: 0, "rate-limited": 0, denied: 0 };

  /**
   * Zeroed counters; {@linkcode Metrics.counter} is the usual way.
   *
   * @param service The service name.
   * @param transport The transport.
   * @param sessions Whether the session figures are rendered.
   */
  constructor(service: string, transport: Transport, sessions: boolean) {
    this.service = service;
    this.transport = transport;
    this.sessions = sessions;
  }

  /** Every drop, whatever the reason. */
  get dropsTotal(): number {
    return sumOf(this.drops);
  }

  /** Every ended session, whatever the reason. */
  get sessionsClosedTotal(): number {
    return sumOf(this.sessionsClosed);
  }

  /** Every refused connection, whatever the reason. */
  get refusedTotal(): number {
    return sumOf(this.refused);
  }
}

/** Figures about the process, sampled when rendering. */
export interface ProcessFigures {
  /** Resident set size, bytes. */
  residentBytes: number;
  /** V8 heap in use, bytes. */
  heapUsedBytes: number;
  /** V8 heap reserved, bytes. */
  heapTotalBytes: number;
  /** When the process started, Unix seconds. */
  startTimeSeconds: number;
  /** Seconds since the process started. */
  uptimeSeconds: number;
  /** Open file descriptors, or null when they cannot be counted (no FFI). */
  openFds: number | null;
  /** The open file descriptor limit (soft `RLIMIT_NOFILE`), or null when unknown. */
  maxFds: number | null;
}

/** A gauge's value at one moment, as isolates pass them to each other. */
export interface GaugeSnapshot {
  /** The metric name. */
  readonly name: string;
  /** Its `# HELP` text. */
  readonly help: string;
  /** Its value. */
  readonly value: number;
}

/** Options of {@linkcode Metrics}. */
export interface MetricsOptions {
  /**
   * Samples the process figures; tests pass fixed ones.
   *
   * @default {sampleProcess}
   */
  processFigures?: () => ProcessFigures;
}

/** The longest {@linkcode Metrics.statsLine}, in bytes, line ending excluded. */
export const MAX_STATS_LINE_BYTES = 999;

/**
 * The counter registry.
 *
 * @example Usage
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * const metrics = new Metrics();
 * const sessionTcp = metrics.counter("session", "tcp"); // once, at startup
 * sessionTcp.requests++; // per request
 * sessionTcp.answers++;
 * if (!metrics.renderPrometheus().includes('clockd_requests_total{service="session",transport="tcp"} 1\n')) {
 *   throw new Error("rendered");
 * }
 * if (!metrics.statsLine().includes("session/tcp req=1 ans=1")) throw new Error("stats");
 * ```
 */
export class Metrics {
  readonly #counters: ServiceCounters[] = [];
  readonly #byKey = new Map<string, ServiceCounters>();
  readonly #peers = new Map<string, readonly CounterSnapshot[]>();
  readonly #gauges: { name: string; help: string; read: () => number }[] = [];
  readonly #peerGauges = new Map<string, readonly GaugeSnapshot[]>();
  readonly #processFigures: () => ProcessFigures;
  #lagSeconds: number | null = null;
  #lagTimer: ReturnType<typeof setInterval> | null = null;

  /**
   * An empty registry.
   *
   * @param options Where process figures come from.
   */
  constructor(options: MetricsOptions = {}) {
    this.#processFigures = options.processFigures ?? sampleProcess;
  }

  /**
   * The counters of a service on a transport, created on first use; call it
   * once at startup and keep the object. Rendered in creation order.
   *
   * @param service The service name, e.g. `"session"`.
   * @param transport `"tcp"` or `"udp"`.
   * @param options Whether session figures apply.
   * @returns The same object for the same service and transport.
   */
  counter(service: string, transport: Transport, options: CounterOptions = {}): ServiceCounters {
    const key = `${service}/${transport}`;
    let counters = this.#byKey.get(key);
    if (counters === undefined) {
      counters = new ServiceCounters(service, transport, options.sessions ?? transport === "tcp");
      this.#byKey.set(key, counters);
      this.#counters.push(counters);
    }
    return counters;
  }

  /** Every counter of this registry, in creation order (peers' counters excluded). */
  get counters(): readonly ServiceCounters[] {
    return this.#counters;
  }

  /**
   * A copy of every counter as plain data, for a TCP worker to post to the
   * primary, which passes it to {@linkcode Metrics.include}.
   *
   * @returns The counters now.
   */
  snapshot(): CounterSnapshot[] {
    return this.#counters.map(copyOf);
  }

  /**
   * Adds another isolate's counters (a TCP worker's latest
   * {@linkcode Metrics.snapshot}) to what this registry renders: counters of
   * the same service and transport are summed. Replaces that peer's
   * previous snapshot; null forgets the peer.
   *
   * @param peer A name for the source, e.g. the worker's.
   * @param snapshot Its counters, or null.
   */
  include(peer: string, snapshot: readonly CounterSnapshot[] | null): void {
    if (snapshot === null) this.#peers.delete(peer);
    else this.#peers.set(peer, snapshot);
  }

  /**
   * The event-loop lag of the last sample, in seconds, or null before the
   * first sample (or without {@linkcode Metrics.startEventLoopMonitor}).
   */
  get eventLoopLagSeconds(): number | null {
    return this.#lagSeconds;
  }

  /**
   * Measures the event-loop lag: a timer due every `intervalMs` notes how
   * late it fires. Does not keep the process alive. Idempotent.
   *
   * @param intervalMs How often to sample.
   */
  startEventLoopMonitor(intervalMs = 1000): void {
    if (this.#lagTimer !== null) return;
    let expected = performance.now() + intervalMs;
    const timer = setInterval(() => {
      const now = performance.now();
      this.#lagSeconds = Math.max(0, now - expected) / 1000;
      expected = now + intervalMs;
    }, intervalMs);
    Deno.unrefTimer(timer);
    this.#lagTimer = timer;
  }

  /** Stops the event-loop monitor; idempotent. */
  close(): void {
    if (this.#lagTimer === null) return;
    clearInterval(this.#lagTimer);
    this.#lagTimer = null;
  }

  /**
   * Renders every counter and the process figures in the Prometheus text
   * exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`).
   *
   * @returns The exposition, ending in LF.
   */
  renderPrometheus(): string {
    const out: string[] = [];
    const counters = this.#merged();
    const withSessions = counters.filter((c) => c.sessions);
    family(out, "clockd_build_info", "gauge", "clockd's version, as labels; always 1.", [
      `{version="${escapeLabel(VERSION)}",deno="${escapeLabel(Deno.version.deno)}"} 1`,
    ]);
    family(
      out,
      "clockd_requests_total",
      "counter",
      "Requests received: lines, datagrams, or connections of one-shot TCP services.",
      counters.map((c) => `${labels(c)} ${c.requests}`),
    );
    family(
      out,
      "clockd_answers_total",
      "counter",
      "Answers sent.",
      counters.map((c) => `${labels(c)} ${c.answers}`),
    );
    family(
      out,
      "clockd_errors_total",
      "counter",
      "Requests answered with an error, or failing inside clockd.",
      counters.map((c) => `${labels(c)} ${c.errors}`),
    );
    family(
      out,
      "clockd_dropped_total",
      "counter",
      "Requests dropped without an answer, by reason.",
      counters.flatMap((c) => DROP_REASONS.map((r) => `${labels(c, r)} ${c.drops[r]}`)),
    );
    family(
      out,
      "clockd_sessions_open",
      "gauge",
      "TCP sessions open now.",
      withSessions.map((c) => `${labels(c)} ${c.sessionsOpen}`),
    );
    family(
      out,
      "clockd_sessions_closed_total",
      "counter",
      "TCP sessions ended, by reason.",
      withSessions.flatMap((c) =>
        SESSION_CLOSE_REASONS.map((r) => `${labels(c, r)} ${c.sessionsClosed[r]}`)
      ),
    );
    family(
      out,
      "clockd_connections_refused_total",
      "counter",
      "TCP connections refused before a service read from them, by reason.",
      withSessions.flatMap((c) => REFUSE_REASONS.map((r) => `${labels(c, r)} ${c.refused[r]}`)),
    );
    const p = this.#processFigures();
    gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", p.residentBytes);
    gauge(
      out,
      "process_start_time_seconds",
      "Start time of the process since the Unix epoch in seconds.",
      p.startTimeSeconds,
    );
    if (p.openFds !== null) {
      gauge(out, "process_open_fds", "Number of open file descriptors.", p.openFds);
    }
    if (p.maxFds !== null) {
      gauge(out, "process_max_fds", "Maximum number of open file descriptors.", p.maxFds);
    }
    gauge(out, "clockd_heap_used_bytes", "V8 heap in use, bytes.", p.heapUsedBytes);
    gauge(out, "clockd_heap_total_bytes", "V8 heap reserved, bytes.", p.heapTotalBytes);
    gauge(out, "clockd_uptime_seconds", "Seconds since the process started.", p.uptimeSeconds);
    if (this.#lagSeconds !== null) {
      gauge(
        out,
        "clockd_event_loop_lag_seconds",
        "How late the last one-second event-loop probe ran, in seconds.",
        this.#lagSeconds,
      );
    }
    for (const { name, help, value } of this.gaugeSnapshot(true)) gauge(out, name, help, value);
    return out.join("");
  }

  /**
   * The values of the gauges added with {@linkcode Metrics.addGauge}, read now.
   *
   * @param withPeers Whether to add the peers' gauges of the same name.
   * @returns One entry per gauge name.
   */
  gaugeSnapshot(withPeers = false): GaugeSnapshot[] {
    const byName = new Map<string, GaugeSnapshot>();
    const add = ({ name, help, value }: GaugeSnapshot) => {
      const into = byName.get(name);
      byName.set(name, { name, help, value: (into?.value ?? 0) + value });
    };
    for (const { name, help, read } of this.#gauges) add({ name, help, value: read() });
    if (withPeers) { for (const gauges of this.#peerGauges.values()) gauges.forEach(add); }
    return [...byName.values()];
  }

  /**
   * Adds another isolate's gauges (its {@linkcode Metrics.gaugeSnapshot}):
   * gauges of the same name are summed when rendered.
   *
   * @param peer A name for the source.
   * @param gauges Its gauges.
   */
  includeGauges(peer: string, gauges: readonly GaugeSnapshot[]): void {
    this.#peerGauges.set(peer, gauges);
  }

  /**
   * Adds a gauge read when the metrics are rendered, e.g. the size of a
   * rate limiter's table. Names must be unique.
   *
   * @param name The metric name.
   * @param help Its `# HELP` text.
   * @param read Returns its value now.
   */
  addGauge(name: string, help: string, read: () => number): void {
    this.#gauges.push({ name, help, read });
  }

  /**
   * One line for the session protocol's `stats` command:
   * `OK up=SECONDS rss=MIB [fds=N]`, then per counter
   * `SERVICE/TRANSPORT req=N ans=N err=N drop=N`, and for TCP
   * `open=N closed=N refused=N`. Drops, closes and refusals are totals over
   * their reasons (`/metrics` has them by reason). At most
   * {@linkcode MAX_STATS_LINE_BYTES} bytes: counters that do not fit are
   * replaced by `...`.
   *
   * @returns E.g. `OK up=3600 rss=48 session/tcp req=12 ans=12 err=0 drop=0 open=3 closed=9 refused=0`.
   */
  statsLine(): string {
    const p = this.#processFigures();
    let line = `OK up=${Math.floor(p.uptimeSeconds)} rss=${Math.round(p.residentBytes / 1048576)}`;
    if (p.openFds !== null) line += ` fds=${p.openFds}`;
    for (const c of this.#merged()) {
      let part = ` ${c.service}/${c.transport} req=${c.requests} ans=${c.answers} ` +
        `err=${c.errors} drop=${sumOf(c.drops)}`;
      if (c.sessions) {
        part += ` open=${c.sessionsOpen} closed=${sumOf(c.sessionsClosed)} ` +
          `refused=${sumOf(c.refused)}`;
      }
      if (line.length + part.length > MAX_STATS_LINE_BYTES - 4) return `${line} ...`;
      line += part;
    }
    return line;
  }

  /**
   * The latest snapshot of every peer, by name: what the primary forwards
   * to each worker (leaving out the worker's own).
   *
   * @returns `[name, snapshot]` pairs.
   */
  peers(): [string, readonly CounterSnapshot[]][] {
    return [...this.#peers];
  }

  /**
   * The counters of the whole process: this registry's with the peers' added.
   *
   * @returns One entry per service and transport.
   */
  merged(): readonly CounterSnapshot[] {
    return this.#merged();
  }

  /** This registry's counters with the peers' added; the counters themselves when there are no peers. */
  #merged(): readonly CounterSnapshot[] {
    if (this.#peers.size === 0) return this.#counters;
    const merged = new Map<string, CounterSnapshot>();
    for (const c of this.#counters) merged.set(`${c.service}/${c.transport}`, copyOf(c));
    for (const snapshot of this.#peers.values()) {
      for (const c of snapshot) {
        const key = `${c.service}/${c.transport}`;
        const into = merged.get(key);
        merged.set(key, into === undefined ? copyOf(c) : sum(into, c));
      }
    }
    return [...merged.values()];
  }
}

function copyOf(c: CounterSnapshot): CounterSnapshot {
  return {
    service: c.service,
    transport: c.transport,
    sessions: c.sessions,
    requests: c.requests,
    answers: c.answers,
    errors: c.errors,
    drops: { ...c.drops },
    sessionsOpen: c.sessionsOpen,
    sessionsClosed: { ...c.sessionsClosed },
    refused: { ...c.refused },
  };
}

function sum(a: CounterSnapshot, b: CounterSnapshot): CounterSnapshot {
  return {
    service: a.service,
    transport: a.transport,
    sessions: a.sessions || b.sessions,
    requests: a.requests + b.requests,
    answers: a.answers + b.answers,
    errors: a.errors + b.errors,
    drops: sumCounts(a.drops, b.drops),
    sessionsOpen: a.sessionsOpen + b.sessionsOpen,
    sessionsClosed: sumCounts(a.sessionsClosed, b.sessionsClosed),
    refused: sumCounts(a.refused, b.refused),
  };
}

function sumCounts<T extends Readonly<Record<string, number>>>(a: T, b: T): T {
  const total: Record<string, number> = { ...a };
  for (const key in b) total[key] = (total[key] ?? 0) + b[key];
  return total as T;
}

/**
 * Samples the process figures: memory from `Deno.memoryUsage()`, times from
 * `performance`, descriptors through libc when FFI is granted.
 *
 * @returns The figures now.
 */
export function sampleProcess(): ProcessFigures {
  const memory = Deno.memoryUsage();
  const fds = processFds();
  return {
    residentBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    startTimeSeconds: round3(performance.timeOrigin / 1000),
    uptimeSeconds: round3(performance.now() / 1000),
    openFds: fds?.open() ?? null,
    maxFds: fds?.max() ?? null,
  };
}

/**
 * Escapes a label value for the text format: backslash, double quote and
 * line feed.
 *
 * @param value The raw value.
 * @returns The value to put between double quotes.
 *
 * @example Usage
 * ```ts
 * import { escapeLabel } from "./metrics.ts";
 * if (escapeLabel('a"b\\c\nd') !== 'a\\"b\\\\c\\nd') throw new Error("escaped");
 * ```
 */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/**
 * Formats a sample value as the text format wants it: integers in decimal,
 * `NaN`, `+Inf`, `-Inf`.
 *
 * @param value The value.
 * @returns Its text.
 *
 * @example Usage
 * ```ts
 * import { formatValue } from "./metrics.ts";
 * if (formatValue(Infinity) !== "+Inf" || formatValue(0.25) !== "0.25") throw new Error();
 * ```
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function family(out: string[], name: string, type: string, help: string, samples: string[]): void {
  if (samples.length === 0) return;
  out.push(`# HELP ${name} ${help.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\")}\n`);
  out.push(`# TYPE ${name} ${type}\n`);
  for (const sample of samples) out.push(`${name}${sample}\n`);
}

function gauge(out: string[], name: string, help: string, value: number): void {
  family(out, name, "gauge", help, [` ${formatValue(value)}`]);
}

function labels(c: CounterSnapshot, reason?: string): string {
  const base = `service="${escapeLabel(c.service)}",transport="${c.transport}"`;
  return reason === undefined ? `{${base}}` : `{${base},reason="${escapeLabel(reason)}"}`;
}

function sumOf(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const key in counts) total += counts[key];
  return total;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// File descriptors through libc: Deno 2.9 wants --allow-all for /proc/self.

const FD_SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize", optional: true },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;

const O_RDONLY = 0;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;
const RLIMIT_NOFILE = 7;
const DIRENT_RECLEN = 16;
const DIRENT_NAME = 19;
const DOT = 46;

interface ProcessFds {
  open(): number | null;
  max(): number | null;
}

let fdReader: ProcessFds | null | undefined;

/** Opens libc once for the descriptor figures; null when FFI is not granted. */
function processFds(): ProcessFds | null {
  if (fdReader !== undefined) return fdReader;
  fdReader = null;
  const libc = openLibc(FD_SYMBOLS, "Descriptor counts");
  if (!("error" in libc)) fdReader = fdReaderOn(libc);
  return fdReader;
}

function fdReaderOn(libc: Deno.DynamicLibrary<typeof FD_SYMBOLS>): ProcessFds {
  const dirPath = new TextEncoder().encode("/proc/self/fd\0");
  const buffer = new Uint8Array(32768);
  const view = new DataView(buffer.buffer);
  const limit = new BigUint64Array(2);
  return {
    open(): number | null {
      const getdents64 = libc.symbols.getdents64;
      if (getdents64 === null) return null;
      const fd = libc.symbols.open(dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return null;
      let count = 0;
      try {
        while (true) {
          const length = Number(getdents64(fd, buffer, BigInt(buffer.length)));
          if (length < 0) return null;
          if (length === 0) break;
          for (let offset = 0; offset < length;) {
            const isDot = buffer[offset + DIRENT_NAME] === DOT &&
              (buffer[offset + DIRENT_NAME + 1] === 0 ||
                (buffer[offset + DIRENT_NAME + 1] === DOT &&
                  buffer[offset + DIRENT_NAME + 2] === 0));
            if (!isDot) count++;
            offset += view.getUint16(offset + DIRENT_RECLEN, true);
          }
        }
      } finally {
        libc.symbols.close(fd);
      }
      return count - 1; // the directory's own descriptor
    },
    max(): number | null {
      if (libc.symbols.getrlimit(RLIMIT_NOFILE, limit) !== 0) return null;
      const soft = limit[0];
      return soft >= BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(soft);
    },
  };
}
