/**
 * clockd: one small binary serving the time over the session protocol,
 * RFC 867 daytime, RFC 868 time and NTP.
 *
 * ```sh
 * clockd serve                 # session protocol on TCP+UDP :1200
 * clockd formats --tz local    # every format, now
 * ```
 *
 * @module
 */

import { formatsCommand } from "./src/cli/formats_command.ts";
import { queryCommand } from "./src/query/query_command.ts";
import { roughtimeCommand } from "./src/cli/roughtime_command.ts";
import { parseServeArgs, SERVE_HELP } from "./src/cli/serve_config.ts";
import { serve } from "./src/server/serve_command.ts";
import { BindError } from "./src/server/bind.ts";
import { UsageError } from "./src/cli/usage_error.ts";
import { VERSION } from "./src/cli/version.ts";

/** The `clockd --help` text. */
export const HELP = `clockd ${VERSION}: a time service

Usage:
  clockd serve [flags]     serve the time (clockd serve --help for the flags)
  clockd formats [flags]   print every time format (clockd formats --help)
  clockd query URL         ask a time server, show the offset (clockd query --help)
  clockd roughtime keygen FILE   make a Roughtime long-term key
  clockd --version         print the version
  clockd --help            show this help

Try it: clockd serve, then in another terminal: nc localhost 1200
and type "timestamp", "rfc3339 Europe/Paris", "formats" or "help".`;

/**
 * Runs the command line.
 *
 * @param args The arguments, without the program name.
 * @returns The exit status: 0 success, 1 runtime failure, 2 usage error.
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "serve": {
        const config = parseServeArgs(rest);
        if (config === "help") return print(SERVE_HELP);
        return await serve(config);
      }
      case "formats":
        return print(formatsCommand(rest));
      case "query":
        return await queryCommand(rest);
      case "roughtime":
        return await roughtimeCommand(rest);
      case "--version":
      case "-V":
      case "version":
        return print(`clockd ${VERSION}`);
      case "--help":
      case "-h":
      case "help":
        return print(HELP);
      case undefined:
        console.error(HELP);
        return 2;
      default:
        throw new UsageError(`unknown command "${command}" (try clockd --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`clockd: ${error.message}`);
      return 2;
    }
    if (error instanceof BindError) {
      console.error(`clockd: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function print(text: string): number {
  console.log(text);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
