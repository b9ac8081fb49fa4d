/**
 * The settings of a session service.
 *
 * @module
 */

import type { SessionProtocol } from "./session_protocol.ts";

/**
 * Settings of a `SessionService`.
 *
 * @example Usage
 * ```ts ignore
 * const options: SessionServiceOptions = {
 *   protocol, idleTimeoutMs: 120_000, partialWaitMs: 50, maxSessions: 10_000, maxSessionsPerIp: 100,
 * };
 * ```
 */
export interface SessionServiceOptions {
  /** Answers the requests. */
  protocol: SessionProtocol;
  /** A session with no complete request for this long is closed (ms). */
  idleTimeoutMs: number;
  /** A request with no LF is answered after the client is quiet this long (ms); 0: only at half-close. */
  partialWaitMs: number;
  /** Most sessions open at once. */
  maxSessions: number;
  /** Most sessions open at once from one address. */
  maxSessionsPerIp: number;
  /** Counters shared with the other workers (see `SessionLimits`). */
  limitsBuffer?: SharedArrayBuffer;
  /** Milliseconds on a clock that only moves forward. @default {performance.now} */
  now?: () => number;
}

/** The settings a reload may change (`SessionService.reconfigure`). */
export type SessionSettings = Pick<
  SessionServiceOptions,
  "idleTimeoutMs" | "partialWaitMs" | "maxSessions" | "maxSessionsPerIp"
>;
