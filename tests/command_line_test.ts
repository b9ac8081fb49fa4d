/**
 * The command-line parser every subcommand uses, and its suggestions.
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { closest, didYouMean, editDistance } from "../src/cli/closest.ts";
import { parseCommandLine } from "../src/cli/command_line.ts";
import { UsageError } from "../src/cli/usage_error.ts";

const FLAGS = {
  session: { type: "string", multiple: true },
  workers: { type: "string" },
  tz: { type: "string" },
  "ready-json": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function usageError(args: string[], message: string, positionals = false): void {
  throws(
    () => parseCommandLine("serve", args, FLAGS, { positionals }),
    (error: unknown) => error instanceof UsageError && error.message === message,
    message,
  );
}

Deno.test("editDistance() counts inserts, deletes, substitutions and swaps", () => {
  strictEqual(editDistance("", "abc"), 3);
  strictEqual(editDistance("session", "session"), 0);
  strictEqual(editDistance("sesion", "session"), 1);
  strictEqual(editDistance("sessoin", "session"), 1);
  strictEqual(editDistance("sessions", "session"), 1);
  strictEqual(editDistance("kitten", "sitting"), 3);
});

Deno.test("closest() suggests a near miss or the one flag a prefix extends, else nothing", () => {
  const known = ["--session", "--max-sessions", "--max-sessions-per-ip", "--time", "--tz"];
  strictEqual(closest("--sesion", known), "--session");
  strictEqual(closest("--max-sesions", known), "--max-sessions");
  strictEqual(closest("--ses", known), "--session");
  strictEqual(closest("--max", known), undefined, "two flags start with --max");
  strictEqual(closest("--tim", known), "--time");
  strictEqual(closest("--bogus", known), undefined);
  strictEqual(closest("--t", known), "--tz", "one edit from a short flag");
  strictEqual(didYouMean("serv", ["serve", "formats"]), "; did you mean serve?");
  strictEqual(didYouMean("frobnicate", ["serve", "formats"]), "");
});

Deno.test("parseCommandLine() reads --name value, --name=value, booleans, -h and --", () => {
  const { values, positionals } = parseCommandLine(
    "serve",
    ["--session", ":1", "--session=:2", "--ready-json", "-h", "x", "--", "--tz"],
    FLAGS,
    { positionals: true },
  );
  deepStrictEqual(values, { session: [":1", ":2"], "ready-json": true, help: true });
  deepStrictEqual(positionals, ["x", "--tz"]);
});

Deno.test("parseCommandLine() takes a value that starts with a dash", () => {
  deepStrictEqual(parseCommandLine("serve", ["--workers", "-1", "--tz", "-05:00"], FLAGS).values, {
    workers: "-1",
    tz: "-05:00",
  });
});

Deno.test("parseCommandLine() keeps the last of a repeated single-value flag", () => {
  strictEqual(parseCommandLine("serve", ["--tz", "UTC", "--tz=local"], FLAGS).values.tz, "local");
});

Deno.test("parseCommandLine() names an unknown flag and suggests the nearest", () => {
  usageError(["--sesion", ":1"], "serve: unknown flag --sesion; did you mean --session?");
  usageError(["--ready_json"], "serve: unknown flag --ready_json; did you mean --ready-json?");
  usageError(["-session"], "serve: unknown flag -session; did you mean --session?");
  usageError(["--bogus"], "serve: unknown flag --bogus (see clockd serve --help)");
  usageError(["-x"], "serve: unknown flag -x (see clockd serve --help)");
});

Deno.test("parseCommandLine() refuses a missing value, a boolean's value and stray arguments", () => {
  usageError(["--workers"], "--workers: needs a value");
  usageError(["--workers", "--tz", "UTC"], "--workers: needs a value");
  usageError(["--ready-json=no"], '--ready-json: takes no value, got "--ready-json=no"');
  usageError(["extra"], 'serve: unexpected argument "extra"');
  usageError(["--", "extra"], 'serve: unexpected argument "extra"');
});

Deno.test("parseCommandLine() knows no flag by an Object.prototype name", () => {
  usageError(["--constructor"], "serve: unknown flag --constructor (see clockd serve --help)");
  usageError(["--__proto__=x"], "serve: unknown flag --__proto__ (see clockd serve --help)");
});
