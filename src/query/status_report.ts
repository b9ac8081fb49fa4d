/**
 * What `clockd status` prints, as `chronyc tracking` and `serverstats` do:
 * one `Label : value` line per fact of the `status` and `stats` answers,
 * then a table of every service's counters; or one JSON object. Fields
 * this client does not know are printed under their own names (and kept in
 * JSON as strings), never dropped.
 *
 * @module
 */

import { parseSize, type StatsAnswer, type StatusField } from "./status_answer.ts";

/** What a server answered to `status` and `stats`. */
export interface StatusReport {
  /** The server, as `HOST:PORT`. */
  readonly server: string;
  /** The `status` answer's fields. */
  readonly status: readonly StatusField[];
  /** The `stats` answer. */
  readonly stats: StatsAnswer;
}

/** The labels of the fields this client knows, in the `status` and `stats` answers. */
const LABELS: Readonly<Record<string, string>> = {
  synchronised: "Synchronised",
  stratum: "Stratum",
  error: "Estimated error",
  sync: "Sync mode",
  precision: "Precision",
  leap: "Leap status",
  io: "Engine (io)",
  uptime: "Uptime",
  listeners: "Listeners",
  tz: "Zone rules",
  tzdata: "System tzdata",
  leapfile: "Leap file",
  leapexpires: "Leap file expiry",
  roughtime: "Roughtime",
  rss: "Memory (RSS)",
  fds: "Open descriptors",
};

/** Column headers of the counters the server abbreviates. */
const COUNTER_NAMES: Readonly<Record<string, string>> = {
  req: "requests",
  ans: "answers",
  err: "errors",
  drop: "drops",
};

const LABEL_WIDTH = 16;

/**
 * The human view: the server, one `Label : value` line per field (listeners
 * one a line), then one row of counters per service and transport.
 *
 * @param report The answers.
 * @returns The lines.
 *
 * @example Usage
 * ```ts
 * import { formatStatusReport } from "./status_report.ts";
 * import { parseStatsAnswer, parseStatusAnswer } from "./status_answer.ts";
 * const lines = formatStatusReport({
 *   server: "127.0.0.1:1200",
 *   status: parseStatusAnswer("OK synchronised=yes stratum=10 io=kernel vintage=2025b"),
 *   stats: parseStatsAnswer("OK up=61 rss=48MiB ntp/udp req=2 ans=1 err=0 drop=1"),
 * });
 * if (!lines.includes("Stratum          : 10") || !lines.includes("vintage          : 2025b")) {
 *   throw new Error(lines.join("\n"));
 * }
 * ```
 */
export function formatStatusReport(report: StatusReport): string[] {
  const lines = [`clockd at ${report.server}`];
  const add = (key: string, value: string) => {
    const label = (LABELS[key] ?? key).padEnd(LABEL_WIDTH);
    const [first, ...rest] = value.split("\n");
    lines.push(`${label} : ${first}`);
    for (const more of rest) lines.push(`${" ".repeat(LABEL_WIDTH)}   ${more}`);
  };
  const statusKeys = new Set(report.status.map(([key]) => key));
  for (const [key, value] of report.status) add(key, humanValue(key, value));
  for (const [key, value] of report.stats.fields) {
    if (key === "up") {
      if (!statusKeys.has("uptime")) add("uptime", humanValue("uptime", value));
      continue;
    }
    if (statusKeys.has(key)) continue;
    add(key, humanValue(key, value));
  }
  lines.push("", ...counterTable(report.stats));
  if (report.stats.truncated) lines.push("(more counters than one stats line holds: see /metrics)");
  return lines;
}

/**
 * The JSON view: `server`, `status` (known fields typed: `synchronised`
 * boolean, `stratum` number, `error_s` seconds or null, `precision_log2`,
 * `uptime_s`, `listeners` as `{service, transport, address}`; the others
 * strings under their own names) and `stats` (`uptime_s`, `rss_bytes`,
 * `fds`, other fields as strings, `services` with each counter under its
 * full name, `truncated`).
 *
 * @param report The answers.
 * @returns The object, for `JSON.stringify`.
 *
 * @example Usage
 * ```ts
 * import { statusReportJson } from "./status_report.ts";
 * import { parseStatsAnswer, parseStatusAnswer } from "./status_answer.ts";
 * const json = statusReportJson({
 *   server: "127.0.0.1:1200",
 *   status: parseStatusAnswer("OK synchronised=no stratum=0 error=16.000000s"),
 *   stats: parseStatsAnswer("OK up=61 rss=48MiB"),
 * }) as { status: { synchronised: boolean; error_s: number }; stats: { rss_bytes: number } };
 * if (json.status.synchronised || json.status.error_s !== 16) throw new Error();
 * if (json.stats.rss_bytes !== 50_331_648) throw new Error();
 * ```
 */
export function statusReportJson(report: StatusReport): Record<string, unknown> {
  const status: Record<string, unknown> = {};
  for (const [key, value] of report.status) {
    if (key === "synchronised") status.synchronised = value === "yes";
    else if (key === "stratum") status.stratum = wholeOrString(value);
    else if (key === "error") status.error_s = /^\d/.test(value) ? parseFloat(value) : null;
    else if (key === "precision" && /^2\^-?\d+s$/.test(value)) {
      status.precision_log2 = parseInt(value.slice(2));
    } else if (key === "uptime") status.uptime_s = wholeOrString(value);
    else if (key === "listeners") status.listeners = parseListeners(value);
    else status[key] = value;
  }
  const stats: Record<string, unknown> = {};
  for (const [key, value] of report.stats.fields) {
    if (key === "up") stats.uptime_s = wholeOrString(value);
    else if (key === "rss") stats.rss_bytes = parseSize(value) ?? value;
    else if (key === "fds") stats.fds = wholeOrString(value);
    else stats[key] = value;
  }
  stats.services = report.stats.services.map(({ service, transport, counts }) => ({
    service,
    transport,
    ...Object.fromEntries(counts.map(([key, value]) => [COUNTER_NAMES[key] ?? key, value])),
  }));
  stats.truncated = report.stats.truncated;
  return { server: report.server, status, stats };
}

/** A listener of `listeners=`: `session/tcp=[::]:1200`. */
function parseListeners(value: string): { service: string; transport: string; address: string }[] {
  if (value === "none" || value === "") return [];
  return value.split(",").map((item) => {
    const equals = item.indexOf("=");
    const [service, transport = ""] = item.slice(0, Math.max(0, equals)).split("/");
    return { service, transport, address: item.slice(equals + 1) };
  });
}

function wholeOrString(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

function humanValue(key: string, value: string): string {
  switch (key) {
    case "error":
      return /^\d+(\.\d+)?s$/.test(value) ? `${value.slice(0, -1)} s` : value;
    case "precision":
      return /^2\^-?\d+s$/.test(value) ? `${value.slice(0, -1)} s` : value;
    case "uptime":
      return /^\d+$/.test(value) ? formatUptime(Number(value)) : value;
    case "listeners":
      return parseListeners(value).map((l) => `${l.service} ${l.transport} ${l.address}`)
        .join("\n") || "none";
    case "rss": {
      const bytes = parseSize(value);
      if (bytes === null) return value;
      const mib = bytes / 1048576;
      return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
    }
    default:
      return value;
  }
}

/** `3723 s (1h 2m 3s)`. */
function formatUptime(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (rest >= size || parts.length > 0) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  parts.push(`${rest}s`);
  return seconds < 60 ? `${seconds} s` : `${seconds} s (${parts.join(" ")})`;
}

/** One header row and one row per service: counters right-aligned, `-` where one has none. */
function counterTable(stats: StatsAnswer): string[] {
  const keys: string[] = [];
  for (const { counts } of stats.services) {
    for (const [key] of counts) if (!keys.includes(key)) keys.push(key);
  }
  const header = ["service", "transport", ...keys.map((key) => COUNTER_NAMES[key] ?? key)];
  const rows = stats.services.map(({ service, transport, counts }) => {
    const byKey = new Map(counts);
    return [service, transport, ...keys.map((key) => String(byKey.get(key) ?? "-"))];
  });
  if (rows.length === 0) return ["(no counters)"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i].length)));
  const render = (row: string[]) =>
    row.map((cell, i) => i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ")
      .trimEnd();
  return [render(header), ...rows.map(render)];
}
