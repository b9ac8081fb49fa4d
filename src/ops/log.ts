/**
 * Logging set-up: LogTape, writing one line per record to stderr, as text
 * (the default), JSON lines, or, under systemd (`JOURNAL_STREAM` set), text
 * with sd-daemon priority prefixes (`<3>`…`<7>`) and no timestamp of its own,
 * since the journal stamps every line.
 *
 * @module
 */

import {
  configure,
  dispose,
  getJsonLinesFormatter,
  getLogger,
  getTextFormatter,
  getThrottlingFilter,
  type Logger,
  type LogLevel,
  type LogRecord,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";

/** The log levels the `--log-level` flag takes, most verbose first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
/** The line formats the `--log-format` flag takes. */
export const LOG_FORMATS = ["text", "json"] as const;

/** Settings of {@linkcode setupLogging}. */
export interface LogOptions {
  /** The least severe level written. */
  level: LogLevel;
  /** Text or JSON lines. */
  format: (typeof LOG_FORMATS)[number];
  /**
   * Write journald priority prefixes and no timestamps.
   *
   * @default {true when JOURNAL_STREAM is set}
   */
  journal?: boolean;
  /**
   * Where lines go.
   *
   * @default {stderr}
   */
  write?: (line: string) => void;
}

/**
 * Per-client events (a refused session, an idle close, a failed connection)
 * go to the `clockd.client` category, where at most this many lines of one
 * kind are written per {@linkcode CLIENT_LOG_WINDOW_MS}; the rest are counted
 * and summed up in one line, so a flood of clients cannot flood the journal.
 */
export const CLIENT_LOG_LIMIT = 20;
/** The window of {@linkcode CLIENT_LOG_LIMIT}, in milliseconds. */
export const CLIENT_LOG_WINDOW_MS = 10_000;

/** sd-daemon(3) priorities: `<3>` error … `<7>` debug. */
const JOURNAL_PRIORITY: Record<LogLevel, number> = {
  fatal: 2,
  error: 3,
  warning: 4,
  info: 6,
  debug: 7,
  trace: 7,
};

/**
 * The formatter for the options: JSON lines, journald text, or plain text.
 *
 * @param options The format and whether the journal reads the lines.
 * @returns A formatter producing one line ending in LF.
 */
export function lineFormatter(options: Pick<LogOptions, "format" | "journal">): TextFormatter {
  if (options.format === "json") return getJsonLinesFormatter({ categorySeparator: "." });
  if (!options.journal) {
    return getTextFormatter({ timestamp: "rfc3339", category: ".", value: "bare" });
  }
  const text = getTextFormatter({
    timestamp: "none",
    category: ".",
    value: "bare",
    format: ({ category, message }) => `${category}: ${message}`,
  });
  return (record: LogRecord) => `<${JOURNAL_PRIORITY[record.level]}>${text(record)}`;
}

/**
 * Configures LogTape for the whole process. Safe to call again (it resets).
 *
 * @param options Level, format and destination.
 *
 * @example Usage
 * ```ts
 * import { setupLogging, logger } from "./log.ts";
 * const lines: string[] = [];
 * await setupLogging({ level: "info", format: "json", write: (l) => lines.push(l) });
 * logger("server").info("ready on {port}", { port: 1200 });
 * if (!lines[0].includes('"ready on 1200"')) throw new Error(lines[0]);
 * ```
 */
export async function setupLogging(options: LogOptions): Promise<void> {
  const format = lineFormatter({
    format: options.format,
    journal: options.journal ?? Deno.env.get("JOURNAL_STREAM") !== undefined,
  });
  const encoder = new TextEncoder();
  const write = options.write ?? ((line: string) => writeAll(Deno.stderr, encoder.encode(line)));
  const sink: Sink = (record) => write(format(record));
  await configure({
    reset: true,
    sinks: { stderr: sink },
    filters: {
      throttle: getThrottlingFilter({
        limit: CLIENT_LOG_LIMIT,
        windowMs: CLIENT_LOG_WINDOW_MS,
        maxKeys: 256,
        // One key per message template and level, readable in the summary line.
        key: (record) =>
          `${record.level} ${
            typeof record.rawMessage === "string" ? record.rawMessage : record.rawMessage.join("…")
          }`,
        summary: {
          logger: getLogger(["clockd", "log"]),
          level: "info",
          // The message is a template itself: double the braces of the key's.
          message: (summary) =>
            `suppressed ${summary.suppressed} more "${
              summary.key.replaceAll("{", "{{").replaceAll("}", "}}")
            }" lines in ${CLIENT_LOG_WINDOW_MS / 1000} s`,
        },
      }),
    },
    loggers: [
      { category: ["clockd"], lowestLevel: options.level, sinks: ["stderr"] },
      { category: ["clockd", "client"], lowestLevel: options.level, filters: ["throttle"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}

/** Flushes and detaches the sinks; call before the process exits. */
export async function closeLogging(): Promise<void> {
  await dispose();
}

/**
 * The logger of one part of clockd, under the `clockd` category.
 *
 * @param name The part, e.g. `"session"`.
 * @returns The logger.
 */
export function logger(name: string): Logger {
  return getLogger(["clockd", name]);
}

function writeAll(file: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}
