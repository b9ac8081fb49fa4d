/**
 * The error of a query that failed for a reason worth one line to the
 * user (no such host, refused, timeout, reset, a bad answer), never a
 * stack trace.
 *
 * @module
 */

import { formatDuration } from "../cli/duration.ts";

/** Why a query failed. */
export type QueryFailureKind = "dns" | "refused" | "timeout" | "network" | "answer";

/**
 * A query that failed for a reason worth one line to the user, not a stack trace.
 *
 * @example Usage
 * ```ts
 * import { QueryError } from "./query_error.ts";
 * const error = new QueryError("refused", "connection refused");
 * if (error.kind !== "refused" || error.message !== "connection refused") throw new Error();
 * ```
 */
export class QueryError extends Error {
  /** Why it failed. */
  readonly kind: QueryFailureKind;

  /**
   * Makes the error.
   *
   * @param kind Why it failed.
   * @param message What happened, in one line, e.g. `connection refused`.
   */
  constructor(kind: QueryFailureKind, message: string) {
    super(message);
    this.name = "QueryError";
    this.kind = kind;
  }
}

/**
 * The error of a query that got no answer in time.
 *
 * @param timeoutMs The query's timeout.
 * @returns A `timeout` error: `no answer within 2s`.
 *
 * @example Usage
 * ```ts
 * import { timeoutError } from "./query_error.ts";
 * if (timeoutError(2000).message !== "no answer within 2s") throw new Error();
 * ```
 */
export function timeoutError(timeoutMs: number): QueryError {
  return new QueryError("timeout", `no answer within ${formatDuration(timeoutMs)}`);
}
