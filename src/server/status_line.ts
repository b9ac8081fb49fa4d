/**
 * The session protocol's `status` answer: the clock's state line, then what
 * a monitor wants to know about the running server (the engine, the leap
 * state, the uptime, every listener) and any further `key=value` fields
 * (versions of data files, …), on one line that `clockd status` reads.
 *
 * `synchronised=yes|no` stays the first field, literally, so a TCP health
 * check that expects the string `synchronised=yes` (HAProxy's `tcp-check
 * expect string synchronised=yes`) keeps working whatever fields follow.
 *
 * @module
 */

import { formatHostPort, type Transport } from "../cli/listen_address.ts";

/** A listener as `status` names it (a `BoundListener` fits). */
export interface StatusListener {
  /** The service, e.g. `session`. */
  readonly service: string;
  /** Its transport. */
  readonly transport: Transport;
  /** The address it bound. */
  readonly hostname: string;
  /** The port it bound. */
  readonly port: number;
}

/** What {@linkcode statusLine} adds to the clock's line. */
export interface StatusFields {
  /** The NTP leap indicator answers carry: 0 none, 1 insert, 2 delete, 3 unsynchronised. */
  readonly leap: 0 | 1 | 2 | 3;
  /** The engine serving (`kernel`, `deno`). */
  readonly io: string;
  /** Seconds since the process started (written whole, rounded down). */
  readonly uptimeSeconds: number;
  /** Every listener of the process, in order. */
  readonly listeners: readonly StatusListener[];
  /**
   * More fields, written `key=value` in insertion order after the others.
   * Keys are lower-case words (`a-z`, digits, `-`, `_`, `.`) other than the
   * fields above; values printable ASCII without spaces.
   *
   * @default {none}
   */
  readonly extra?: Readonly<Record<string, string | number>>;
}

/** The words of the leap indicator, by its value. */
export const LEAP_STATES: readonly string[] = Object.freeze([
  "none",
  "insert",
  "delete",
  "unsynchronised",
]);

/** The keys {@linkcode statusLine} writes itself, after the clock's. */
const OWN_KEYS = new Set(["leap", "io", "uptime", "listeners"]);
const KEY = /^[a-z][a-z0-9_.-]*$/;
const VALUE = /^[\x21-\x7e]+$/;

/**
 * The `status` answer: the clock's line (`OK synchronised=… stratum=…
 * error=… sync=… precision=…`), then `leap=none|insert|delete|unsynchronised`,
 * `io=ENGINE`, `uptime=SECONDS`, `listeners=SERVICE/TRANSPORT=HOST:PORT,…`
 * and the extra fields.
 *
 * @param clockLine The clock's state, as `ClockStatus.statusLine()` writes it.
 * @param fields The server's facts and any extra fields.
 * @returns The line, without its ending.
 * @throws {RangeError} When the clock line does not start with
 *   `OK synchronised=`, or an extra field's key or value cannot be written
 *   (a key the line already has, a space in a value).
 *
 * @example Usage
 * ```ts
 * import { statusLine } from "./status_line.ts";
 * const line = statusLine("OK synchronised=yes stratum=10 error=unknown sync=always precision=2^-20s", {
 *   leap: 0,
 *   io: "kernel",
 *   uptimeSeconds: 61.7,
 *   listeners: [{ service: "session", transport: "tcp", hostname: "::", port: 1200 }],
 *   extra: { tzdata: "2025b" },
 * });
 * if (
 *   line !== "OK synchronised=yes stratum=10 error=unknown sync=always precision=2^-20s " +
 *       "leap=none io=kernel uptime=61 listeners=session/tcp=[::]:1200 tzdata=2025b"
 * ) throw new Error(line);
 * ```
 */
export function statusLine(clockLine: string, fields: StatusFields): string {
  if (!clockLine.startsWith("OK synchronised=")) {
    throw new RangeError(`the clock's line must start with "OK synchronised=", got "${clockLine}"`);
  }
  const listeners = fields.listeners
    .map((l) => `${l.service}/${l.transport}=${formatHostPort(l.hostname, l.port)}`)
    .join(",");
  const parts = [
    clockLine,
    `leap=${LEAP_STATES[fields.leap]}`,
    `io=${fields.io}`,
    `uptime=${Math.max(0, Math.floor(fields.uptimeSeconds))}`,
    `listeners=${listeners === "" ? "none" : listeners}`,
  ];
  const written = new Set(
    clockLine.slice(3).split(" ").map((field) => field.slice(0, field.indexOf("="))),
  );
  for (const [key, raw] of Object.entries(fields.extra ?? {})) {
    const value = String(raw);
    if (!KEY.test(key)) throw new RangeError(`status field "${key}": not a lower-case word`);
    if (OWN_KEYS.has(key) || written.has(key)) {
      throw new RangeError(`status field "${key}": already written`);
    }
    if (!VALUE.test(value)) {
      throw new RangeError(`status field "${key}": value "${value}" is not printable ASCII`);
    }
    parts.push(`${key}=${value}`);
  }
  return parts.join(" ");
}
