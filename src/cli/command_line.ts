/**
 * The command-line parser every subcommand uses: GNU-style long flags
 * (`--name VALUE`, `--name=VALUE`, boolean `--name`), declared short ones
 * (`-h`), and `--` ending the flags. Each mistake is one
 * {@linkcode UsageError} line: an unknown flag with the nearest known one
 * suggested, a missing value, a value given to a boolean, a stray argument.
 *
 * A flag that takes a value takes the next argument whatever it starts
 * with (`--workers -1`, `--tz -05:00`), unless that argument is itself a
 * `--flag`: then the value is missing.
 *
 * @module
 */

import { didYouMean } from "./closest.ts";
import { UsageError } from "./usage_error.ts";

/** How one flag is written. */
export interface FlagSpec {
  /** `string` flags take a value, `boolean` flags none. */
  readonly type: "string" | "boolean";
  /** Whether the flag may be repeated, each value kept (string flags). */
  readonly multiple?: boolean;
  /** A one-letter alias, without the dash (`h` for `-h`). */
  readonly short?: string;
}

/** The flags of a command, by long name without the dashes. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The flags given, by long name: absent when not given (callers apply their defaults). */
export type FlagValues<T extends FlagSpecs> = {
  -readonly [K in keyof T]?: T[K] extends { type: "boolean" } ? boolean
    : T[K] extends { multiple: true } ? string[]
    : string;
};

/** A parsed command line. */
export interface CommandLine<T extends FlagSpecs> {
  /** The flags given. */
  readonly values: FlagValues<T>;
  /** The other arguments, in order. */
  readonly positionals: readonly string[];
}

/** Settings of {@linkcode parseCommandLine}. */
export interface ParseCommandLineOptions {
  /**
   * Whether arguments other than flags are allowed.
   *
   * @default {false}
   */
  positionals?: boolean;
}

/**
 * Parses a command line against the flags a command declares.
 *
 * @param command The command, for messages: `serve`, `query`.
 * @param args The arguments after the command.
 * @param flags The flags it takes.
 * @param options Whether positional arguments are allowed.
 * @returns The flags given and the positional arguments.
 * @throws {UsageError} On an unknown flag, a missing value, a value given to
 *   a boolean flag, or a positional argument where none is allowed.
 *
 * @example Usage
 * ```ts
 * import { parseCommandLine } from "./command_line.ts";
 * const flags = { count: { type: "string" }, json: { type: "boolean" } } as const;
 * const { values, positionals } = parseCommandLine("query", ["--count", "-1", "--json", "x"], flags, {
 *   positionals: true,
 * });
 * if (values.count !== "-1" || values.json !== true || positionals[0] !== "x") throw new Error();
 * ```
 *
 * @example A mistyped flag
 * ```ts
 * import { parseCommandLine } from "./command_line.ts";
 * try {
 *   parseCommandLine("query", ["--jsn"], { json: { type: "boolean" } });
 *   throw new Error("accepted");
 * } catch (error) {
 *   if ((error as Error).message !== "query: unknown flag --jsn; did you mean --json?") throw error;
 * }
 * ```
 */
export function parseCommandLine<T extends FlagSpecs>(
  command: string,
  args: readonly string[],
  flags: T,
  options: ParseCommandLineOptions = {},
): CommandLine<T> {
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(flags)) {
    if (spec.short !== undefined) shorts.set(`-${spec.short}`, name);
  }
  const addPositional = (arg: string) => {
    if (!options.positionals) throw new UsageError(`${command}: unexpected argument "${arg}"`);
    positionals.push(arg);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      args.slice(i + 1).forEach(addPositional);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      addPositional(arg);
      continue;
    }
    const equals = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const written = equals === -1 ? arg : arg.slice(0, equals);
    const name = arg.startsWith("--") ? written.slice(2) : shorts.get(written);
    const spec = name === undefined || !Object.hasOwn(flags, name) ? undefined : flags[name];
    if (name === undefined || spec === undefined) {
      const known = Object.keys(flags).map((flag) => `--${flag}`);
      const hint = didYouMean(written, known) || ` (see clockd ${command} --help)`;
      throw new UsageError(`${command}: unknown flag ${written}${hint}`);
    }
    if (spec.type === "boolean") {
      if (equals !== -1) throw new UsageError(`--${name}: takes no value, got "${arg}"`);
      values[name] = true;
      continue;
    }
    let value: string;
    if (equals !== -1) value = arg.slice(equals + 1);
    else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`--${name}: needs a value`);
      }
      value = next;
      i++;
    }
    if (spec.multiple) ((values[name] ??= []) as string[]).push(value);
    else values[name] = value;
  }
  return { values: values as FlagValues<T>, positionals };
}
