/**
 * Test harness: a client for the balancer tests that runs inside a network
 * namespace. {@linkcode runProbes} starts this module as a script behind a
 * wrapper (`ip netns exec NS`); the script asks each URL with clockd's own
 * query code (`clockd query`'s URLs: `session://`, `session+udp://`,
 * `daytime://`, `time+udp://`, `ntp://` …) or `fetch` for `http://`, and
 * prints one JSON line with the results.
 *
 * @module
 */

import { queryOnce } from "../src/query/query_once.ts";
import { parseQueryUrl } from "../src/query/query_url.ts";
import { denoCommand, ROOT } from "./_clockd.ts";

/** One question for {@linkcode runProbes}. */
export interface Probe {
  /** A `clockd query` URL, or an `http://` URL fetched with GET. */
  url: string;
  /**
   * How many times to ask before giving up (UDP through a balancer that has
   * just lost a backend may drop one datagram).
   *
   * @default {1}
   */
  attempts?: number;
}

/** What one {@linkcode Probe} got. */
export interface ProbeResult {
  /** The URL asked. */
  url: string;
  /** The answer (for HTTP: the status code and the body); null when none came. */
  answer: string | null;
  /** Why no answer came; null when one did. */
  failure: string | null;
  /** For `ntp://`: the reference ID as text (ASCII, NULs dropped), e.g. `B1`. */
  refid?: string;
  /** For `ntp://`: whether the reply says the time may be used (LI ≠ 3, stratum 1 to 15). */
  synchronised?: boolean;
}

/** How long one attempt may take. */
const ATTEMPT_TIMEOUT_MS = 1500;
/** How long a whole {@linkcode runProbes} may take, per probe. */
const RUN_TIMEOUT_PER_PROBE_MS = 8000;

function refidText(referenceId: number): string {
  const bytes = [24, 16, 8, 0].map((shift) => (referenceId >>> shift) & 0xff);
  return String.fromCharCode(...bytes.filter((b) => b !== 0));
}

async function askOnce(url: string): Promise<ProbeResult> {
  if (url.startsWith("http://")) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
      return { url, answer: `${response.status} ${(await response.text()).trim()}`, failure: null };
    } catch (error) {
      return { url, answer: null, failure: String(error) };
    }
  }
  const result = await queryOnce(parseQueryUrl(url), { timeoutMs: ATTEMPT_TIMEOUT_MS });
  const probed: ProbeResult = { url, answer: result.answer, failure: result.failure };
  if (result.ntp !== null) {
    probed.refid = refidText(result.ntp.referenceId);
    probed.synchronised = result.ntp.synchronised;
  }
  return probed;
}

/**
 * Asks one probe, again on failure up to its attempts.
 *
 * @param probe The probe.
 * @returns The last attempt's result.
 *
 * @example Usage
 * ```ts
 * import { ask } from "./_balancer_probe.ts";
 * const result = await ask({ url: "http://127.0.0.1:1/", attempts: 1 });
 * if (result.answer !== null || result.failure === null) throw new Error("port 1 answered");
 * ```
 */
export async function ask(probe: Probe): Promise<ProbeResult> {
  let result = await askOnce(probe.url);
  for (let i = 1; i < (probe.attempts ?? 1) && result.answer === null; i++) {
    result = await askOnce(probe.url);
  }
  return result;
}

/**
 * Runs the probes one after another in a fresh Deno behind `wrap` (e.g.
 * `ip netns exec NS`) and returns their results in order.
 *
 * @param wrap The command prefix; empty runs them on this host.
 * @param probes The probes.
 * @returns One result per probe.
 *
 * @example Usage
 * ```ts
 * import { runProbes } from "./_balancer_probe.ts";
 * const [result] = await runProbes([], [{ url: "daytime://127.0.0.1:1" }]);
 * if (result.answer !== null) throw new Error("port 1 answered");
 * ```
 */
export async function runProbes(
  wrap: readonly string[],
  probes: readonly Probe[],
): Promise<ProbeResult[]> {
  const args = [
    "run",
    "--quiet",
    "--allow-net",
    "--allow-env",
    `--allow-read=${ROOT}`,
    new URL(import.meta.url).pathname,
    JSON.stringify(probes),
  ];
  const [program, programArgs] = denoCommand(args, wrap);
  const timeoutMs = RUN_TIMEOUT_PER_PROBE_MS * Math.max(1, probes.length);
  const output = await new Deno.Command(program, {
    args: programArgs,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(`probes failed (${output.code}): ${decoder.decode(output.stderr)}`);
  }
  return JSON.parse(decoder.decode(output.stdout));
}

if (import.meta.main) {
  const probes: Probe[] = JSON.parse(Deno.args[0]);
  const results: ProbeResult[] = [];
  for (const probe of probes) results.push(await ask(probe));
  console.log(JSON.stringify(results));
}
