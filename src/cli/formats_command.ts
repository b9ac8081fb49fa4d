/**
 * `clockd formats`: every format rendered for now or a given instant.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Clock, systemClock } from "../time/clock.ts";
import { FORMATS } from "../time/formats.ts";
import { parseInstant } from "../time/parse_instant.ts";
import { parseFlag } from "./usage_error.ts";
import { resolveZone } from "../time/zone.ts";

/** The `clockd formats --help` text. */
export const FORMATS_HELP = `Usage: clockd formats [--at INSTANT] [--tz ZONE] [--json]

Prints every time format, one per line as NAME<TAB>VALUE.

  --at INSTANT   render this instant instead of now: RFC 3339
                 (2026-11-21T09:54:05.5Z) or Unix seconds (1795257245.5)
  --tz ZONE      zone to render in (default UTC; IANA name, UTC, local, +05:30);
                 formats marked "zone ignored" are the same in every zone
  --json         print one JSON object {"name": "value", ...} instead
  -h, --help     show this help

Formats:
${FORMATS.map((format) => `  ${format.name.padEnd(17)}${format.summary}`).join("\n")}`;

/**
 * Renders every format.
 *
 * @param args The arguments after `formats`.
 * @param clock Where "now" comes from.
 * @returns The lines to print (or the help text).
 * @throws {UsageError} On a bad flag, instant or zone.
 *
 * @example Usage
 * ```ts
 * import { formatsCommand } from "./formats_command.ts";
 * const out = formatsCommand(["--at", "0", "--json"]);
 * if (JSON.parse(out).unix !== "0") throw new Error(out);
 * ```
 */
export function formatsCommand(args: string[], clock: Clock = systemClock): string {
  const { values } = parseFlag("clockd formats", () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        at: { type: "string" },
        tz: { type: "string", default: "UTC" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  if (values.help) return FORMATS_HELP;
  const zone = parseFlag("--tz", () => resolveZone(values.tz));
  const at = values.at;
  const instant = at === undefined ? clock.now() : parseFlag("--at", () => parseInstant(at));
  // A given instant has no monotonic reading: Go's layout then leaves out "m=".
  const monotonic = at === undefined ? clock.monotonicNanos() : NaN;
  const rendered = FORMATS.map((format) => [format.name, format.render(instant, zone, monotonic)]);
  if (values.json) return JSON.stringify(Object.fromEntries(rendered));
  return rendered.map(([name, value]) => `${name}\t${value}`).join("\n");
}
