/**
 * Reads Prometheus text on stdin and prints the families
 * `parse-prometheus-text-format` (an independent parser) finds, as JSON.
 * It has its own config and lock file so that the package, which only the
 * tests use, stays out of the project's lock and off `deno task start`'s
 * downloads.
 *
 * @module
 */

import parsePrometheusTextFormat from "parse-prometheus-text-format";

const text = await new Response(Deno.stdin.readable).text();
console.log(JSON.stringify(parsePrometheusTextFormat(text)));
