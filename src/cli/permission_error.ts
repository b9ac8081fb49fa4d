/**
 * A missing Deno permission as one line for people: which access was
 * refused and the flag that grants it, instead of a stack trace.
 *
 * @module
 */

/**
 * The one line for a permission Deno refused.
 *
 * @param error The `Deno.errors.NotCapable` error (or anything else whose
 *   message reads `Requires KIND access to "WHAT", run again with the FLAG flag`).
 * @returns `missing permission: KIND access to "WHAT"; add FLAG to deno run
 *   (deno task clockd grants all clockd needs)`, without the `clockd: ` prefix.
 *
 * @example Usage
 * ```ts
 * import { permissionMessage } from "./permission_error.ts";
 * const error = new Deno.errors.NotCapable(
 *   'Requires env access to "JOURNAL_STREAM", run again with the --allow-env flag',
 * );
 * if (!permissionMessage(error).includes('env access to "JOURNAL_STREAM"; add --allow-env')) {
 *   throw new Error(permissionMessage(error));
 * }
 * ```
 */
export function permissionMessage(error: Error): string {
  const match = /Requires (\w+) access(?: to (.*?))?, run again with the (--allow-[\w-]+) flag/
    .exec(error.message);
  const kind = match?.[1] ?? /Requires (\w+) access/.exec(error.message)?.[1];
  const flag = match?.[3] ??
    (kind === undefined ? "the --allow-* flag it names" : `--allow-${kind}`);
  const what = kind === undefined
    ? error.message.split("\n")[0]
    : `${kind} access${match?.[2] === undefined ? "" : ` to ${match[2]}`}`;
  return `missing permission: ${what}; add ${flag} to deno run ` +
    "(deno task clockd grants all clockd needs)";
}
