/**
 * clockd's version, kept in step with `deno.json` (a test checks they agree).
 *
 * @module
 */

/** The version of this build. */
export const VERSION = "0.1.0";
