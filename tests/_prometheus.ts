/**
 * An independent Prometheus text parser for the tests
 * (`parse-prometheus-text-format`), run in a subprocess with its own
 * config and lock file (`tests/prometheus_parser/`), so that `deno task
 * start` never downloads it.
 *
 * @module
 */

const PARSER = new URL("./prometheus_parser/", import.meta.url).pathname;

/** A metric family as the parser returns it. */
export interface ParsedFamily {
  /** The family's name. */
  name: string;
  /** Its HELP text. */
  help: string;
  /** Its TYPE. */
  type: string;
  /** Its samples. */
  metrics: { value: string; labels?: Record<string, string> }[];
}

/**
 * Parses Prometheus text exposition format with the independent parser.
 *
 * @param text The text.
 * @returns The families.
 * @throws {Error} When the parser rejects the text.
 *
 * @example Usage
 * ```ts ignore
 * import { parsePrometheus } from "./_prometheus.ts";
 * const [family] = await parsePrometheus("# TYPE up gauge\nup 1\n");
 * if (family.name !== "up") throw new Error();
 * ```
 */
export async function parsePrometheus(text: string): Promise<ParsedFamily[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--config=${PARSER}deno.json`,
      `--lock=${PARSER}deno.lock`,
      "--frozen",
      `${PARSER}parse.ts`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(`the Prometheus parser failed: ${new TextDecoder().decode(stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(stdout));
}
