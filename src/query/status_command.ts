/**
 * `clockd status [HOST[:PORT]]`: asks a running clockd, over its session
 * port (TCP), for `status` and `stats` and shows them, as `chronyc
 * tracking` and `chronyc serverstats` do for chronyd.
 *
 * @module
 */

import { parseCommandLine } from "../cli/command_line.ts";
import { parseDuration } from "../cli/duration.ts";
import { formatHostPort } from "../cli/listen_address.ts";
import { invocation } from "../cli/main_help.ts";
import { parseFlag, UsageError } from "../cli/usage_error.ts";
import { systemClock } from "../time/clock.ts";
import { ipFamily } from "./ip_text.ts";
import { QueryError } from "./query_error.ts";
import { parseQueryUrl } from "./query_url.ts";
import { parseStatsAnswer, parseStatusAnswer } from "./status_answer.ts";
import { formatStatusReport, type StatusReport, statusReportJson } from "./status_report.ts";
import { tcpExchange } from "./transports.ts";

/** The server `clockd status` asks when given none. */
export const DEFAULT_STATUS_SERVER = "127.0.0.1:1200";

/** The `clockd status --help` text. */
export const STATUS_HELP = `Usage: clockd status [flags] [HOST[:PORT]]

Shows a running clockd's state, as chronyc tracking and serverstats do:
the engine (io), its listeners, whether the host clock is synchronised,
the stratum, the estimated error, the leap status, the uptime, memory,
and every service's requests, answers, errors and drops. It connects to
the session port over TCP and sends "status", "stats" and "quit".

HOST[:PORT] defaults to ${DEFAULT_STATUS_SERVER} (port 1200 when none is
given; IPv6 in brackets: [::1]:1200).

  --json                one JSON object instead of the human view
  --timeout DURATION    how long it may take, lookup included (default 2s;
                        a bare number is seconds)
  -h, --help            show this help

Exit status: 0 answered, 1 no clockd answering (refused, timeout, unknown
host, not a clockd answer), 2 usage.`;

const STATUS_FLAGS = {
  json: { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The most bytes the three answers may take. */
const MAX_ANSWER_BYTES = 65_536;

/** Where {@linkcode statusCommand} writes. */
export interface StatusOutput {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
}

/** Settings of {@linkcode statusCommand}. */
export interface StatusCommandOptions {
  /**
   * Where lines go.
   *
   * @default {console.log and console.error}
   */
  output?: StatusOutput;
}

/**
 * Runs `clockd status`.
 *
 * @param args The arguments after `status`.
 * @param options Where the lines go, for tests.
 * @returns The exit status: 0 answered, 1 otherwise (one line on stderr).
 * @throws {UsageError} On a bad flag or address.
 *
 * @example Usage
 * ```ts
 * import { statusCommand } from "./status_command.ts";
 * const lines: string[] = [];
 * const code = await statusCommand(["--help"], { output: { out: (l) => lines.push(l), err: () => {} } });
 * if (code !== 0 || !lines[0].startsWith("Usage: clockd status")) throw new Error();
 * ```
 */
export async function statusCommand(
  args: string[],
  options: StatusCommandOptions = {},
): Promise<number> {
  const output = options.output ?? { out: console.log, err: console.error };
  const { values, positionals } = parseCommandLine("status", args, STATUS_FLAGS, {
    positionals: true,
  });
  if (values.help) {
    output.out(STATUS_HELP);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`status: expected one HOST[:PORT], got ${positionals.length}`);
  }
  const { hostname, port } = parseStatusServer(positionals[0] ?? DEFAULT_STATUS_SERVER);
  const timeoutMs = parseFlag("--timeout", () => parseDuration(values.timeout ?? "2s", "s"));
  if (timeoutMs <= 0) throw new UsageError("--timeout: must be more than 0");
  if (timeoutMs > 3_600_000) throw new UsageError("--timeout: must be at most 1h");
  const server = formatHostPort(hostname, port);
  let report: StatusReport;
  try {
    const exchange = await tcpExchange({
      hostname,
      port,
      request: new TextEncoder().encode("status\nstats\nquit\n"),
      isComplete: (bytes) => bytes.filter((byte) => byte === 10).length >= 3,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs,
      clock: systemClock,
    });
    const lines = new TextDecoder().decode(exchange.bytes).split("\n")
      .map((line) => line.replace(/\r$/, ""));
    if (exchange.bytes.length === 0) throw new QueryError("answer", "closed without answering");
    if (lines[0].startsWith("ERR")) throw new QueryError("answer", `answered "${lines[0]}"`);
    report = {
      server,
      status: parseStatusAnswer(lines[0]),
      stats: parseStatsAnswer(lines[1] ?? ""),
    };
  } catch (error) {
    output.err(`clockd status: ${failureMessage(error, server)}`);
    return 1;
  }
  if (values.json) output.out(JSON.stringify(statusReportJson(report)));
  else for (const line of formatStatusReport(report)) output.out(line);
  return 0;
}

/**
 * Reads `HOST[:PORT]`: a name, an IPv4 address, an IPv6 address (bare, or
 * in brackets when a port follows); port 1200 when none is given.
 *
 * @param text The argument.
 * @returns The host (IPv6 without brackets) and port.
 * @throws {UsageError} When it is not a host with an optional port.
 *
 * @example Usage
 * ```ts
 * import { parseStatusServer } from "./status_command.ts";
 * const { hostname, port } = parseStatusServer("[::1]:1201");
 * if (hostname !== "::1" || port !== 1201 || parseStatusServer("::1").port !== 1200) throw new Error();
 * ```
 */
export function parseStatusServer(text: string): { hostname: string; port: number } {
  const bracketed = ipFamily(text) === 6 ? `[${text}]` : text;
  try {
    if (/[/?#@]/.test(bracketed)) throw new SyntaxError("expected HOST[:PORT]");
    const { hostname, port } = parseQueryUrl(`session://${bracketed}`);
    return { hostname, port };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`status: "${text}" is not HOST[:PORT] (${reason.replace(/^.*: /, "")})`);
  }
}

function failureMessage(error: unknown, server: string): string {
  if (error instanceof SyntaxError) {
    return `${server} does not answer like clockd: ${error.message}`;
  }
  if (!(error instanceof QueryError)) throw error;
  if (error.kind === "refused") {
    const start = invocation() === "clockd" ? "clockd serve" : "deno task start";
    return `no clockd answering on ${server} (is it running? start it with \`${start}\`; ` +
      `elsewhere: ${invocation()} status HOST:PORT of its session listener)`;
  }
  if (error.kind === "dns") return error.message;
  return `${server}: ${error.message}`;
}
