/**
 * clockd's metrics registry: the {@linkcode ServiceCounters} of every
 * service and transport, the gauges read when rendering, the counters and
 * gauges of other isolates, and the event-loop monitor; rendered for
 * `/metrics` (Prometheus, `prometheus.ts`) and for the session protocol's
 * `stats` command (`stats_line.ts`).
 *
 * Each loop asks {@linkcode Metrics.counter} once, at startup, for the
 * counters of its service and transport, and increments their fields
 * directly (see `counters.ts`).
 *
 * Counters live in one isolate. With `--workers`, each TCP worker keeps its
 * own registry and posts {@linkcode Metrics.snapshot} to the primary now and
 * then; the primary hands each to {@linkcode Metrics.include}, and renders
 * the sums.
 *
 * Process figures are sampled when rendering (`process_figures.ts`). The
 * event-loop lag is measured only once {@linkcode Metrics.startEventLoopMonitor}
 * runs (one timer a second).
 *
 * @module
 */

import type { Transport } from "../cli/listen_address.ts";
import { copySnapshot, sumSnapshots } from "./_counter_sums.ts";
import { type CounterSnapshot, type GaugeSnapshot, ServiceCounters } from "./counters.ts";
import { type ProcessFigures, sampleProcess } from "./process_figures.ts";
import { renderPrometheus } from "./prometheus.ts";
import { statsLine } from "./stats_line.ts";

/** Options of {@linkcode Metrics.counter}. */
export interface CounterOptions {
  /**
   * Whether the session figures (open, closed, refused) are rendered.
   *
   * @default {true for tcp, false for udp}
   */
  sessions?: boolean;
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
  readonly #gauges: { name: string; help: string; read: () => number; local: boolean }[] = [];
  readonly #info: Record<string, string> = {};
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
    return this.#counters.map(copySnapshot);
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
   * Renders every counter (the peers' added), the process figures, the
   * event-loop lag and the gauges (the peers' added) in the Prometheus text
   * exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`).
   *
   * @returns The exposition, ending in LF.
   */
  renderPrometheus(): string {
    return renderPrometheus({
      counters: this.#merged(),
      figures: this.#processFigures(),
      eventLoopLagSeconds: this.#lagSeconds,
      gauges: this.gaugeSnapshot(true),
      info: this.#info,
    });
  }

  /**
   * Sets one label of `clockd_build_info`, e.g. `io` to the engine serving.
   *
   * @param name The label's name.
   * @param value Its value.
   */
  setInfo(name: string, value: string): void {
    this.#info[name] = value;
  }

  /**
   * The values of the gauges added with {@linkcode Metrics.addGauge}, read now.
   *
   * @param withPeers Whether to add the peers' gauges of the same name
   *   (rendering); without, only the gauges other isolates may sum (sharing:
   *   no `local` one).
   * @returns One entry per gauge name.
   */
  gaugeSnapshot(withPeers = false): GaugeSnapshot[] {
    const byName = new Map<string, GaugeSnapshot>();
    const add = ({ name, help, value }: GaugeSnapshot) => {
      const into = byName.get(name);
      byName.set(name, { name, help, value: (into?.value ?? 0) + value });
    };
    for (const { name, help, read, local } of this.#gauges) {
      if (withPeers || !local) add({ name, help, value: read() });
    }
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
   * rate limiter's table. Gauges of one name are summed (two rate tables, one gauge).
   *
   * @param name The metric name.
   * @param help Its `# HELP` text.
   * @param read Returns its value now.
   * @param local True for a value every isolate has alike (the clock
   *   state): rendered from this isolate's reading only, never summed with
   *   the other isolates'.
   */
  addGauge(name: string, help: string, read: () => number, local = false): void {
    this.#gauges.push({ name, help, read, local });
  }

  /**
   * One line for the session protocol's `stats` command, of every counter
   * with the peers' added: see `statsLine` in `stats_line.ts`.
   *
   * @returns E.g. `OK up=3600 rss=48MiB session/tcp req=12 ans=12 err=0 drop=0 open=3 closed=9 refused=0`.
   */
  statsLine(): string {
    return statsLine(this.#merged(), this.#processFigures());
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
    for (const c of this.#counters) merged.set(`${c.service}/${c.transport}`, copySnapshot(c));
    for (const snapshot of this.#peers.values()) {
      for (const c of snapshot) {
        const key = `${c.service}/${c.transport}`;
        const into = merged.get(key);
        merged.set(key, into === undefined ? copySnapshot(c) : sumSnapshots(into, c));
      }
    }
    return [...merged.values()];
  }
}
