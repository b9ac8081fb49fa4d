/**
 * The `clockd --help` text, written for the way clockd was started: the
 * compiled binary (`clockd serve`) or a checkout (`deno task clockd serve`).
 *
 * @module
 */

import { VERSION } from "./version.ts";

/**
 * How a user starts clockd the way it is running now: `clockd` for the
 * compiled binary, `deno task clockd` when Deno runs the sources (the
 * executable is then Deno itself, not clockd).
 *
 * @param execPath The running executable.
 * @returns The command to type.
 *
 * @example Usage
 * ```ts
 * import { invocation } from "./main_help.ts";
 * if (invocation("/usr/bin/deno") !== "deno task clockd") throw new Error();
 * if (invocation("/usr/local/bin/clockd") !== "clockd") throw new Error();
 * ```
 */
export function invocation(execPath: string = Deno.execPath()): string {
  const name = execPath.split(/[\\/]/).pop() ?? "";
  return /^deno(\.exe)?$/i.test(name) ? "deno task clockd" : "clockd";
}

/**
 * The `clockd --help` text.
 *
 * @param command How clockd is started (see {@linkcode invocation}).
 * @returns The text.
 *
 * @example Usage
 * ```ts
 * import { mainHelp } from "./main_help.ts";
 * if (!mainHelp("deno task clockd").includes("Try it: deno task clockd serve,")) throw new Error();
 * ```
 */
export function mainHelp(command: string = invocation()): string {
  const checkout = command === "clockd"
    ? ""
    : "\n`deno task clockd` runs main.ts from this checkout with the permissions clockd\n" +
      "needs; the compiled binary (deno task compile) is run as `clockd`.\n";
  return `clockd ${VERSION}: a time service

Usage: ${command} COMMAND [flags]

  serve [flags]           serve the time
  formats [flags]         print every time format
  query URL               ask a time server, show the offset
  status [HOST[:PORT]]    a running clockd's clock state, listeners, counters
  roughtime keygen FILE   make a Roughtime long-term key
  --version               print the version
  --help                  show this help

${command} COMMAND --help lists a command's flags.
${checkout}
Try it: ${command} serve, then in another terminal: nc localhost 1200
and type "timestamp", "rfc3339 Europe/Paris", "formats" or "help".`;
}
