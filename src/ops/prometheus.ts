/**
 * The Prometheus text exposition format 0.0.4 (`Content-Type: text/plain;
 * version=0.0.4`) of clockd's counters, gauges and process figures, as
 * `/metrics` serves it.
 *
 * @module
 */

import { VERSION } from "../cli/version.ts";
import {
  type CounterSnapshot,
  DROP_REASONS,
  type GaugeSnapshot,
  REFUSE_REASONS,
  SESSION_CLOSE_REASONS,
} from "./counters.ts";
import type { ProcessFigures } from "./process_figures.ts";

/** What {@linkcode renderPrometheus} renders. */
export interface PrometheusInput {
  /** The counters of every service and transport, in rendering order. */
  readonly counters: readonly CounterSnapshot[];
  /** The process figures. */
  readonly figures: ProcessFigures;
  /** The last event-loop lag, seconds; null leaves the family out. */
  readonly eventLoopLagSeconds: number | null;
  /** The added gauges, one entry per name. */
  readonly gauges: readonly GaugeSnapshot[];
  /**
   * How the process runs (e.g. `io`), rendered as the labels of
   * `clockd_build_info`.
   *
   * @default {{}}
   */
  readonly info?: Readonly<Record<string, string>>;
}

/**
 * Renders counters, process figures and gauges in the Prometheus text
 * exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`).
 * Families without samples are left out.
 *
 * @param input What to render.
 * @returns The exposition, ending in LF.
 *
 * @example Usage
 * ```ts
 * import { renderPrometheus } from "./prometheus.ts";
 * import { ServiceCounters } from "./counters.ts";
 * const ntp = new ServiceCounters("ntp", "udp", false);
 * ntp.requests = 3;
 * const text = renderPrometheus({
 *   counters: [ntp],
 *   figures: {
 *     residentBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, startTimeSeconds: 0,
 *     uptimeSeconds: 1, openFds: null, maxFds: null,
 *   },
 *   eventLoopLagSeconds: null,
 *   gauges: [{ name: "clockd_example", help: "An example.", value: 2 }],
 * });
 * if (!text.includes('clockd_requests_total{service="ntp",transport="udp"} 3\n')) {
 *   throw new Error("requests");
 * }
 * if (!text.endsWith("clockd_example 2\n")) throw new Error("gauge");
 * ```
 */
export function renderPrometheus(input: PrometheusInput): string {
  const out: string[] = [];
  const { counters, figures: p, eventLoopLagSeconds } = input;
  const withSessions = counters.filter((c) => c.sessions);
  family(out, "clockd_build_info", "gauge", "clockd's version, as labels; always 1.", [
    `{version="${escapeLabel(VERSION)}",deno="${escapeLabel(Deno.version.deno)}"${
      Object.entries(input.info ?? {}).map(([k, v]) => `,${k}="${escapeLabel(v)}"`).join("")
    }} 1`,
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
  if (eventLoopLagSeconds !== null) {
    gauge(
      out,
      "clockd_event_loop_lag_seconds",
      "How late the last one-second event-loop probe ran, in seconds.",
      eventLoopLagSeconds,
    );
  }
  for (const { name, help, value } of input.gauges) gauge(out, name, help, value);
  return out.join("");
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
 * import { escapeLabel } from "./prometheus.ts";
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
 * import { formatValue } from "./prometheus.ts";
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
