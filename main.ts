/**
 * clockd: one small binary serving the time over the session protocol,
 * RFC 867 daytime, RFC 868 time and NTP.
 *
 * ```sh
 * clockd serve                 # session protocol on TCP+UDP :1200
 * clockd formats --tz local    # every format, now
 * clockd status               # a running clockd's state and counters
 * deno task clockd serve       # the same from a checkout
 * ```
 *
 * @module
 */

import { didYouMean } from "./src/cli/closest.ts";
import { formatsCommand } from "./src/cli/formats_command.ts";
import { invocation, mainHelp } from "./src/cli/main_help.ts";
import { permissionMessage } from "./src/cli/permission_error.ts";
import { queryCommand } from "./src/query/query_command.ts";
import { statusCommand } from "./src/query/status_command.ts";
import { roughtimeCommand } from "./src/cli/roughtime_command.ts";
import { loadServeConfig } from "./src/cli/serve_config.ts";
import { SERVE_HELP } from "./src/cli/serve_help.ts";
import { serve } from "./src/server/serve_command.ts";
import { BindError } from "./src/server/bind.ts";
import { UsageError } from "./src/cli/usage_error.ts";
import { VERSION } from "./src/cli/version.ts";

/** The commands, for suggestions. */
const COMMANDS = ["serve", "formats", "query", "status", "roughtime", "version", "help"];

/**
 * Runs the command line.
 *
 * @param args The arguments, without the program name.
 * @returns The exit status: 0 success, 1 runtime failure, 2 usage error
 *   (a bad flag or config file, or a permission Deno refused).
 *
 * @example Usage
 * ```ts
 * import { main } from "./main.ts";
 * if (await main(["formats", "--at", "0", "--tz", "UTC"]) !== 0) throw new Error();
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "serve": {
        const config = loadServeConfig(rest);
        if (config === "help") return print(SERVE_HELP);
        return await serve(config);
      }
      case "formats":
        return print(formatsCommand(rest));
      case "query":
        return await queryCommand(rest);
      case "status":
        return await statusCommand(rest);
      case "roughtime":
        return await roughtimeCommand(rest);
      case "--version":
      case "-V":
      case "version":
        return print(`clockd ${VERSION}`);
      case "--help":
      case "-h":
      case "help":
        return print(mainHelp());
      case undefined:
        console.error(mainHelp());
        return 2;
      default:
        throw new UsageError(
          `unknown command "${command}"` +
            (didYouMean(command, COMMANDS) || ` (see ${invocation()} --help)`),
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`clockd: ${error.message}`);
      return 2;
    }
    if (error instanceof Deno.errors.NotCapable) {
      console.error(`clockd: ${permissionMessage(error)}`);
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

if (import.meta.main) {
  // A permission refused outside the awaited path (a timer, a listener's loop) is one line too.
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (!(event.reason instanceof Deno.errors.NotCapable)) return;
    event.preventDefault();
    console.error(`clockd: ${permissionMessage(event.reason)}`);
    Deno.exit(2);
  });
  Deno.exit(await main(Deno.args));
}
