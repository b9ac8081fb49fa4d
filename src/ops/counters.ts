/**
 * clockd's counters as data: the drop, close and refusal reasons, the
 * {@linkcode ServiceCounters} one service on one transport increments, and
 * the plain snapshots (of counters and of gauges) one isolate posts to
 * another.
 *
 * The hot path is an increment of a preallocated number slot: a loop holds
 * on to its {@linkcode ServiceCounters} and does `c.requests++`,
 * `c.drops.oversized++`, `c.sessionsClosed[reason]++`: no string is built
 * and no map is searched per request.
 *
 * @module
 */

import type { Transport } from "../cli/listen_address.ts";
import { sumOf } from "./_counter_sums.ts";

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
 * past `--tcp-rate`, `denied` by an access rule, `proxy-header` from a
 * `--proxy-protocol` balancer without a valid PROXY header in time.
 */
export const REFUSE_REASONS = ["busy", "rate-limited", "denied", "proxy-header"] as const;
/** A {@linkcode REFUSE_REASONS} entry. */
export type RefuseReason = (typeof REFUSE_REASONS)[number];

/** One count per drop reason. */
export type DropCounts = Record<DropReason, number>;
/** One count per session close reason. */
export type SessionCloseCounts = Record<SessionCloseReason, number>;
/** One count per refusal reason. */
export type RefuseCounts = Record<RefuseReason, number>;

/**
 * The counters of one service on one transport as plain data: what
 * `Metrics.snapshot` (in `metrics.ts`) returns, structured-clone safe, for a TCP
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
 *
 * @example Usage
 * ```ts
 * import { ServiceCounters } from "./counters.ts";
 * const counters = new ServiceCounters("ntp", "udp", false);
 * counters.requests++;
 * counters.drops.malformed++;
 * counters.drops["rate-limited"]++;
 * if (counters.dropsTotal !== 2) throw new Error("two drops");
 * ```
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
  readonly refused: RefuseCounts = { busy: 0, "rate-limited": 0, denied: 0, "proxy-header": 0 };

  /**
   * Zeroed counters; `Metrics.counter` (in `metrics.ts`) is the usual way.
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

/** A gauge's value at one moment, as isolates pass them to each other. */
export interface GaugeSnapshot {
  /** The metric name. */
  readonly name: string;
  /** Its `# HELP` text. */
  readonly help: string;
  /** Its value. */
  readonly value: number;
}
