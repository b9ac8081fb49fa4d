/**
 * `deno task bench-roughtime-batch`: what answering Roughtime requests in
 * batches gains (issue 13). In one process, no sockets: answers per second
 * of `RoughtimeResponder.answerBatch` (parse, Merkle tree, one Ed25519
 * signature per batch, one answer per request) for batches of 1, 2, 8, 32
 * and 128 RFC 10049 requests. After a warm-up of every size, each round
 * measures every size in turn (so machine noise spreads over all of them);
 * the table shows each size's median over the rounds, the rounds' spread,
 * µs per answer and the speed-up over batches of one.
 *
 * ```sh
 * deno task bench-roughtime-batch
 * deno task bench-roughtime-batch --rounds 3 --seconds 0.2 --sizes 1,32
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { RoughtimeResponder } from "../src/protocols/roughtime/responder.ts";
import {
  measureAnswerBatch,
  renderBatchTable,
  roughtimeRequests,
  summariseBatches,
} from "./roughtime_batch_measure.ts";

/** The batch sizes measured by default. */
export const DEFAULT_BATCH_SIZES: readonly number[] = [1, 2, 8, 32, 128];

/** The resolved flags. */
export interface BatchArgs {
  /** Batch sizes, 1 to 128. @default {[1, 2, 8, 32, 128]} */
  sizes: number[];
  /** Measured rounds; each size's median is shown. @default {5} */
  rounds: number;
  /** Seconds per size per round. @default {0.5} */
  seconds: number;
  /** Seconds of warm-up per size before the first round. @default {0.5} */
  warmupSeconds: number;
}

/** The `--help` text. */
export const BATCH_HELP = `Usage: deno task bench-roughtime-batch [flags]

Answers/s of RoughtimeResponder.answerBatch in this process (no sockets), one
signature per batch, for each batch size; median of the rounds.

Flags:
  --sizes LIST     batch sizes, 1 to 128 (default 1,2,8,32,128)
  --rounds N       measured rounds (default 5)
  --seconds N      seconds per size per round (default 0.5)
  --warmup N       seconds of warm-up per size (default 0.5)
  -h, --help       show this help`;

/** How a numeric flag may be. */
interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** 0 allowed (else above 0). */
  zero?: boolean;
  /** The largest value. */
  max?: number;
}

function number(flag: string, text: string, rule: NumberRule): number {
  const value = Number(text);
  const max = rule.max ?? Infinity;
  if (
    text.trim() === "" || !(rule.zero ? value >= 0 : value > 0) || !(value <= max) ||
    (rule.integer && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `${flag}: expected ${rule.integer ? "a whole number" : "a number"} ` +
        `${rule.zero ? "of at least 0" : "above 0"}` +
        `${max === Infinity ? "" : `, at most ${max}`}, got "${text}"`,
    );
  }
  return value;
}

/**
 * Parses the flags.
 *
 * @param args The arguments after the script.
 * @returns The resolved flags, or `"help"`.
 * @throws {RangeError} Naming the flag and the problem.
 *
 * @example Usage
 * ```ts
 * import { parseBatchArgs } from "./roughtime_batch.ts";
 * const args = parseBatchArgs(["--sizes", "32,1", "--rounds", "3"]);
 * if (args === "help" || args.sizes.join() !== "1,32" || args.rounds !== 3) throw new Error();
 * ```
 */
export function parseBatchArgs(args: string[]): BatchArgs | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      sizes: { type: "string", default: DEFAULT_BATCH_SIZES.join(",") },
      rounds: { type: "string", default: "5" },
      seconds: { type: "string", default: "0.5" },
      warmup: { type: "string", default: "0.5" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const sizes = [
    ...new Set(
      values.sizes.split(",").map((size) => number("--sizes", size, { integer: true, max: 128 })),
    ),
  ];
  return {
    sizes: sizes.sort((a, b) => a - b),
    rounds: number("--rounds", values.rounds, { integer: true }),
    seconds: number("--seconds", values.seconds, {}),
    warmupSeconds: number("--warmup", values.warmup, { zero: true }),
  };
}

/**
 * Measures every size: a warm-up of each, then `rounds` rounds of every
 * size in turn.
 *
 * @param args The flags.
 * @param progress Receives a line after each round.
 * @returns Answers per second of each round, by batch size.
 *
 * @example Usage
 * ```ts
 * import { runBatchRounds } from "./roughtime_batch.ts";
 * const rounds = runBatchRounds({ sizes: [1, 2], rounds: 1, seconds: 0.01, warmupSeconds: 0 });
 * if (rounds.get(2)?.length !== 1) throw new Error();
 * ```
 */
export function runBatchRounds(
  args: BatchArgs,
  progress: (line: string) => void = () => {},
): Map<number, number[]> {
  const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
  const responder = RoughtimeResponder.create({
    rootSeed: crypto.getRandomValues(new Uint8Array(32)),
    now,
    maxBatch: Math.max(...args.sizes),
  });
  const batches = new Map(args.sizes.map((size) => [size, roughtimeRequests(size)]));
  for (const [, batch] of batches) {
    if (args.warmupSeconds > 0) measureAnswerBatch(responder, batch, now, args.warmupSeconds);
  }
  const rounds = new Map(args.sizes.map((size) => [size, [] as number[]]));
  for (let round = 1; round <= args.rounds; round++) {
    for (const [size, batch] of batches) {
      rounds.get(size)!.push(measureAnswerBatch(responder, batch, now, args.seconds));
    }
    progress(`round ${round} of ${args.rounds} done`);
  }
  return rounds;
}

function loadAverage(): string {
  try {
    return `, load average ${Deno.loadavg()[0].toFixed(2)} at start`;
  } catch {
    return "";
  }
}

if (import.meta.main) {
  let args: BatchArgs | "help";
  try {
    args = parseBatchArgs(Deno.args);
  } catch (error) {
    console.error(`roughtime-batch: ${error instanceof Error ? error.message : error}`);
    Deno.exit(2);
  }
  if (args === "help") {
    console.log(BATCH_HELP);
    Deno.exit(0);
  }
  const heading = `RoughtimeResponder.answerBatch, RFC 10049 requests, one signature per batch: ` +
    `median of ${args.rounds} rounds of ${args.seconds} s per size after ` +
    `${args.warmupSeconds} s warm-up; ${navigator.hardwareConcurrency} cores${loadAverage()}, ` +
    `Deno ${Deno.version.deno}`;
  const rounds = runBatchRounds(args, (line) => console.error(`roughtime-batch: ${line}`));
  console.log(`${heading}\n\n${renderBatchTable(summariseBatches(rounds))}`);
}
