/**
 * The `clockd query` command line: its flags, its help, and their parsing.
 *
 * @module
 */

import { parseCommandLine } from "../cli/command_line.ts";
import { parseDuration } from "../cli/duration.ts";
import { parseFlag, parseInteger, UsageError } from "../cli/usage_error.ts";
import { parseQueryUrl, QUERY_SCHEMES, type QueryTarget } from "./query_url.ts";

const SCHEME_HELP = QUERY_SCHEMES.map((s) =>
  `  ${(s.scheme + "://").padEnd(17)}${s.summary}, port ${s.defaultPort}`
).join("\n");

/** The `clockd query --help` text. */
export const QUERY_HELP = `Usage: clockd query [flags] URL
       clockd query [flags] roughtime://HOST?key=BASE64 [roughtime://… …]

Asks a time server for the time and estimates this clock's offset from it
(server minus local) and the round-trip delay.

URL is SCHEME://HOST[:PORT][/REQUEST], IPv6 hosts in brackets ([::1]):
${SCHEME_HELP}

Only session URLs take a REQUEST: the path, percent-decoded
(session://host/rfc3339%20Europe/Paris), or ?q= (session://host?q=unixns);
the default is rfc3339nano, ?q= alone sends the empty request.

Roughtime URLs name the server's long-term public key (?key=, base64 or
hex); answers are verified against it. Several Roughtime URLs are queried
in order as one chain (each nonce derived from the previous answer), and
any pair of answers whose times contradict their order is reported.

  --json                one JSON object per query (and one for the summary)
  --timeout DURATION    how long each query may take, lookup included (default 2s;
                        a bare number is seconds, as ntpdig takes it: --timeout 2)
  --count N             queries to make (default 1); with N > 1, one line per
                        query, then a summary: answered/N, min/median/max
                        offset and delay
  --interval DURATION   pause between queries (default 1s for ntp://, 0 for others;
                        a bare number is seconds)
  --version VERSION     Roughtime versions to offer: ietf (default: RFC 10049,
                        drafts 19, 11 and 08), google, draft-08, draft-11,
                        draft-12, draft-19 or rfc
  -h, --help            show this help

Output: the answer, then
  URL  [stratum S REFID  ]offset +0.000123 s ± 0.000105 s  delay 0.000210 s
NTP uses its four timestamps; the others the midpoint of the round trip,
offset = T + resolution/2 - (t_send + t_receive)/2, error ± (delay/2 +
resolution/2), resolution being the answer format's (1 s for daytime and
time). An answer that names no instant we can place (a zone such as CET)
is printed with "offset unknown".

Exit status: 0 every query answered, 1 a query failed (timeout, refused,
unknown host, malformed answer, kiss-o'-death, unsynchronised server, bad
Roughtime signature or nonce, inconsistent Roughtime chain), 2 usage.`;

/** The flags of one `clockd query`, resolved. */
export interface QueryFlags {
  /** What to query: the first URL. */
  target: QueryTarget;
  /** Every URL, in order: several only for a Roughtime chain. */
  targets: QueryTarget[];
  /** `--version`: the Roughtime versions to offer, as written; undefined for the default. */
  version: string | undefined;
  /** One JSON object per query. */
  json: boolean;
  /** How long each query may take, milliseconds. */
  timeoutMs: number;
  /** How many queries. */
  count: number;
  /** The pause between queries, milliseconds. */
  intervalMs: number;
}

const QUERY_FLAGS = {
  json: { type: "boolean" },
  timeout: { type: "string" },
  count: { type: "string" },
  interval: { type: "string" },
  version: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses the `clockd query` arguments.
 *
 * @param args The arguments after `query`.
 * @returns The flags, or `"help"` when help was asked for.
 * @throws {UsageError} On a bad flag or URL, in one line.
 *
 * @example Usage
 * ```ts
 * import { parseQueryArgs } from "./query_flags.ts";
 * const flags = parseQueryArgs(["--timeout", "2", "ntp://127.0.0.1"]);
 * if (flags === "help" || flags.timeoutMs !== 2000 || flags.intervalMs !== 1000) throw new Error();
 * ```
 */
export function parseQueryArgs(args: string[]): QueryFlags | "help" {
  const { values, positionals } = parseCommandLine("query", args, QUERY_FLAGS, {
    positionals: true,
  });
  if (values.help) return "help";
  if (positionals.length === 0) {
    throw new UsageError("query: missing URL (see clockd query --help)");
  }
  const targets = positionals.map((url) => parseFlag("query", () => parseQueryUrl(url)));
  const target = targets[0];
  const roughtime = targets.filter((t) => t.scheme.protocol === "roughtime").length;
  if (targets.length > 1 && roughtime !== targets.length) {
    throw new UsageError(
      `query: expected one URL, got ${positionals.length} (only roughtime:// URLs chain)`,
    );
  }
  if (values.version !== undefined && roughtime === 0) {
    throw new UsageError("--version: only roughtime:// URLs have versions");
  }
  const timeoutMs = parseFlag("--timeout", () => parseDuration(values.timeout ?? "2s", "s"));
  if (timeoutMs <= 0) throw new UsageError("--timeout: must be more than 0");
  if (timeoutMs > 3_600_000) throw new UsageError("--timeout: must be at most 1h");
  const count = parseFlag("--count", () => parseInteger(values.count ?? "1", 1, 100_000));
  const interval = values.interval;
  const intervalMs = interval === undefined
    ? (target.scheme.protocol === "ntp" ? 1000 : 0)
    : parseFlag("--interval", () => parseDuration(interval, "s"));
  if (intervalMs > 3_600_000) throw new UsageError("--interval: must be at most 1h");
  return {
    target,
    targets,
    version: values.version,
    json: values.json ?? false,
    timeoutMs,
    count,
    intervalMs,
  };
}
