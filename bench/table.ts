/**
 * The benchmark's one table: a plain-text grid with aligned columns, and the
 * formatting of its figures.
 *
 * @module
 */

import type { WorkloadResult } from "./results.ts";

/** A column of {@linkcode renderTable}. */
export interface Column {
  /** The heading. */
  title: string;
  /** Where cells sit: text left, figures right. @default {"left"} */
  align?: "left" | "right";
}

/**
 * Renders rows under headings, each column as wide as its widest cell,
 * columns two spaces apart, a rule of dashes under the headings, no
 * trailing spaces.
 *
 * @param columns The columns.
 * @param rows The cells, one array per row, as many as there are columns.
 * @returns The table, lines joined with LF, ending with LF.
 * @throws {RangeError} If a row has the wrong number of cells.
 *
 * @example Usage
 * ```ts
 * import { renderTable } from "./table.ts";
 * const text = renderTable([{ title: "a" }, { title: "n", align: "right" }], [["x", "10"]]);
 * if (text !== "a   n\n-  --\nx  10\n") throw new Error(JSON.stringify(text));
 * ```
 */
export function renderTable(columns: readonly Column[], rows: readonly string[][]): string {
  for (const row of rows) {
    if (row.length !== columns.length) {
      throw new RangeError(`Row has "${row.length}" cells, the table "${columns.length}" columns`);
    }
  }
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) =>
      columns[i].align === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])
    ).join("  ").trimEnd();
  return [
    line(columns.map((column) => column.title)),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
  ].join("\n") + "\n";
}

/**
 * Formats a latency: whole microseconds below 10 ms, else milliseconds with
 * one decimal.
 *
 * @param us Microseconds, or NaN for none.
 * @returns The text, `-` for NaN.
 *
 * @example Usage
 * ```ts
 * import { formatLatency } from "./table.ts";
 * if (formatLatency(250) !== "250 µs" || formatLatency(12_345) !== "12.3 ms") throw new Error();
 * ```
 */
export function formatLatency(us: number): string {
  if (!Number.isFinite(us)) return "-";
  return us < 10_000 ? `${Math.round(us)} µs` : `${(us / 1000).toFixed(1)} ms`;
}

/**
 * Formats a rate with thousands separators, no decimals.
 *
 * @param perSecond Operations per second, or NaN for none.
 * @returns The text, `-` for NaN.
 *
 * @example Usage
 * ```ts
 * import { formatRate } from "./table.ts";
 * if (formatRate(12345.6) !== "12,346") throw new Error();
 * ```
 */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "-";
  return Math.round(perSecond).toLocaleString("en-US");
}

/**
 * Formats a size: bytes below 10 KiB, KiB below 10 MiB, else MiB with one decimal.
 *
 * @param bytes The size, or null/NaN for none.
 * @returns The text, `-` for none.
 *
 * @example Usage
 * ```ts
 * import { formatBytes } from "./table.ts";
 * if (formatBytes(2560) !== "2,560 B" || formatBytes(52_428_800) !== "50.0 MiB") throw new Error();
 * ```
 */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return "-";
  if (Math.abs(bytes) < 10 * 1024) return `${Math.round(bytes).toLocaleString("en-US")} B`;
  if (Math.abs(bytes) < 10 * 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Formats CPU time per answer, µs with one decimal.
 *
 * @param micros The time, or null.
 * @returns E.g. `11.6 µs`, or `-`.
 *
 * @example Usage
 * ```ts
 * import { formatCpu } from "./table.ts";
 * if (formatCpu(11.64) !== "11.6 µs" || formatCpu(null) !== "-") throw new Error();
 * ```
 */
export function formatCpu(micros: number | null): string {
  return micros === null || !Number.isFinite(micros) ? "-" : `${micros.toFixed(1)} µs`;
}

/** The columns of the benchmark's table. */
export const RESULT_COLUMNS: readonly Column[] = [
  { title: "workload" },
  { title: "clients", align: "right" },
  { title: "ops/s", align: "right" },
  { title: "p50", align: "right" },
  { title: "p99", align: "right" },
  { title: "errors", align: "right" },
  { title: "server RSS", align: "right" },
  { title: "CPU/op server", align: "right" },
  { title: "CPU/op load", align: "right" },
  { title: "bytes/idle session", align: "right" },
];

/**
 * Renders the benchmark's results as its one table; a workload that did not
 * run says `skipped` or `failed` in its ops/s cell.
 *
 * @param results One row per workload.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { renderResults } from "./table.ts";
 * const text = renderResults([]);
 * if (!text.startsWith("workload  clients")) throw new Error(text);
 * ```
 */
export function renderResults(results: readonly WorkloadResult[]): string {
  return renderTable(
    RESULT_COLUMNS,
    results.map((result) => {
      const ran = result.status === "ran";
      const us = (value: number | null) => formatLatency(value ?? NaN);
      return [
        result.workload,
        result.clients.toLocaleString("en-US"),
        ran ? formatRate(result.opsPerSecond ?? NaN) : result.status,
        us(result.p50Us),
        us(result.p99Us),
        ran ? result.errors.toLocaleString("en-US") : "-",
        formatBytes(result.serverRssBytes),
        formatCpu(result.serverCpuUsPerOp),
        formatCpu(result.loadCpuUsPerOp),
        formatBytes(result.idle?.bytesPerSession ?? null),
      ];
    }),
  );
}
