/**
 * The settings of an {@linkcode HttpService} and their defaults, and the
 * {@linkcode Router} it answers through.
 *
 * @module
 */

import type { Clock } from "../../time/clock.ts";
import type { Instant } from "../../time/instant.ts";
import type { HttpRequest } from "./request_head.ts";
import type { ErrorResponder, HttpResponse } from "./response.ts";
// deno-lint-ignore no-unused-vars
import type { HttpService } from "./http_service.ts";
// deno-lint-ignore no-unused-vars
import type { SessionLimits } from "../session/session_limits.ts";

/**
 * Answers one request: a pure function of the request, the peer's address
 * and the instant clockd read the clock for it (also sent as `Date` and
 * `Server-Timing`).
 */
export type Router = (
  request: HttpRequest,
  peer: Deno.NetAddr,
  receivedAt: Instant,
) => HttpResponse | Promise<HttpResponse>;

/** Settings of an {@linkcode HttpService}. */
export interface HttpServiceOptions {
  /** Answers the requests. */
  route: Router;
  /** Read once per request, for `receivedAt`. */
  clock: Clock;
  /**
   * Words the errors the server answers itself.
   *
   * @default {jsonError}
   */
  errors?: ErrorResponder;
  /**
   * Most time for a whole request head, from the accept or from the first byte of a later request (ms).
   *
   * @default {10_000}
   */
  headerTimeoutMs?: number;
  /**
   * Most time a kept-alive connection may wait for its next request (ms).
   *
   * @default {30_000}
   */
  idleTimeoutMs?: number;
  /**
   * Most time for writing one response (ms).
   *
   * @default {10_000}
   */
  writeTimeoutMs?: number;
  /**
   * Most connections open at once.
   *
   * @default {1000}
   */
  maxConnections?: number;
  /**
   * Most connections open at once from one address.
   *
   * @default {32}
   */
  maxConnectionsPerIp?: number;
  /**
   * Connection counts shared with other workers (see {@linkcode SessionLimits}).
   *
   * @default {undefined}
   */
  limitsBuffer?: SharedArrayBuffer;
  /**
   * Milliseconds on a clock that only moves forward, for the deadlines.
   *
   * @default {performance.now}
   */
  now?: () => number;
}

/** The defaults of {@linkcode HttpServiceOptions}' limits. */
export const HTTP_DEFAULTS = {
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  writeTimeoutMs: 10_000,
  maxConnections: 1000,
  maxConnectionsPerIp: 32,
} as const;
