import { strictEqual, throws } from "node:assert/strict";
import {
  defaultBurst,
  formatRate,
  parseRate,
  RateLimiter,
  type RateLimiterOptions,
  RateVerdict,
} from "../src/admission/rate_limiter.ts";

const { ALLOW, LIMITED, LIMITED_KISS } = RateVerdict;

/** A limiter on a clock the test moves by hand. */
function limiterAt(options: Omit<RateLimiterOptions, "now">) {
  const clock = { now: 0 };
  const limiter = new RateLimiter({ ...options, now: () => clock.now });
  return { clock, limiter };
}

/** Each step: at `at` ms, `take(key)` gives `verdict`. */
type Step = [at: number, key: string, verdict: RateVerdict];

function runSteps(options: Omit<RateLimiterOptions, "now">, steps: Step[]): void {
  const { clock, limiter } = limiterAt(options);
  for (const [index, [at, key, verdict]] of steps.entries()) {
    clock.now = at;
    strictEqual(limiter.take(key), verdict, `step ${index}: take("${key}") at ${at} ms`);
  }
}

const bursts: [rate: number, burst: number][] = [[1, 1], [10, 3], [20, 40], [0.5, 5], [1000, 7]];
for (const [rate, burst] of bursts) {
  Deno.test(`RateLimiter.take() allows a burst of ${burst} at ${rate}/s, then limits`, () => {
    const { limiter } = limiterAt({ rate, burst, kissIntervalMs: Infinity });
    for (let i = 0; i < burst; i++) strictEqual(limiter.take("a"), ALLOW, `request ${i}`);
    strictEqual(limiter.take("a"), LIMITED_KISS);
    strictEqual(limiter.take("a"), LIMITED);
  });
}

Deno.test("RateLimiter.take() refills at the configured rate", () => {
  // 10/s: one token every 100 ms, no saving up beyond one.
  runSteps({ rate: 10, burst: 1, kissIntervalMs: 1e9 }, [
    [0, "a", ALLOW],
    [0, "a", LIMITED_KISS],
    [99, "a", LIMITED],
    [100, "a", ALLOW],
    [150, "a", LIMITED],
    [200, "a", ALLOW],
    [1000, "a", ALLOW],
    [1000, "a", LIMITED],
  ]);
});

Deno.test("RateLimiter.take() refills fractional tokens continuously", () => {
  // 4/s, burst 2: empty at 0; a token at 250 ms; two at 500 ms; never more than two.
  runSteps({ rate: 4, burst: 2, kissIntervalMs: 1e9 }, [
    [0, "a", ALLOW],
    [0, "a", ALLOW],
    [0, "a", LIMITED_KISS],
    [249.9, "a", LIMITED],
    [250, "a", ALLOW],
    [250, "a", LIMITED],
    [750, "a", ALLOW],
    [750, "a", ALLOW],
    [750, "a", LIMITED],
    [60_000, "a", ALLOW],
    [60_000, "a", ALLOW],
    [60_000, "a", LIMITED],
  ]);
});

Deno.test("RateLimiter.take() keeps one bucket per key", () => {
  runSteps({ rate: 1, burst: 1, kissIntervalMs: 1e9 }, [
    [0, "a", ALLOW],
    [0, "b", ALLOW],
    [0, "a", LIMITED_KISS],
    [0, "b", LIMITED_KISS],
    [0, "c", ALLOW],
  ]);
});

Deno.test("RateLimiter.take() kisses a limited source at most once per interval", () => {
  runSteps({ rate: 1, burst: 1, kissIntervalMs: 5000 }, [
    [0, "a", ALLOW],
    [0, "a", LIMITED_KISS],
    [1, "a", LIMITED],
    [999, "a", LIMITED],
    [1000, "a", ALLOW], // a token came back; taking it does not reset the kiss clock
    [1000, "a", LIMITED],
    [4999, "a", ALLOW],
    [4999, "a", LIMITED],
    [5000, "a", LIMITED_KISS],
    [5000, "a", LIMITED],
    [5000, "b", ALLOW],
    [5000, "b", LIMITED_KISS], // kiss times are per source
  ]);
});

const kissDefaults: [rate: number, intervalMs: number][] = [[20, 1000], [1, 1000], [0.5, 2000]];
for (const [rate, intervalMs] of kissDefaults) {
  Deno.test(`RateLimiter.take() kisses every ${intervalMs} ms by default at ${rate}/s`, () => {
    const { clock, limiter } = limiterAt({ rate, burst: 1 });
    strictEqual(limiter.take("a"), ALLOW);
    strictEqual(limiter.take("a"), LIMITED_KISS);
    // Keep the bucket empty: take every token as it comes, then ask once more.
    for (let at = 1; at < intervalMs; at++) {
      clock.now = at;
      limiter.take("a");
      strictEqual(limiter.take("a"), LIMITED, `at ${at} ms`);
    }
    clock.now = intervalMs;
    limiter.take("a");
    strictEqual(limiter.take("a"), LIMITED_KISS);
  });
}

Deno.test("RateLimiter.tokens() reports the bucket without taking", () => {
  const { clock, limiter } = limiterAt({ rate: 10, burst: 4 });
  strictEqual(limiter.tokens("a"), 4);
  strictEqual(limiter.has("a"), false);
  limiter.take("a");
  limiter.take("a");
  strictEqual(limiter.tokens("a"), 2);
  clock.now = 50;
  strictEqual(limiter.tokens("a"), 2.5);
  clock.now = 10_000;
  strictEqual(limiter.tokens("a"), 4);
  strictEqual(limiter.size, 1);
});

Deno.test("RateLimiter.take() evicts a source not seen since the hand last passed", () => {
  const { limiter } = limiterAt({ rate: 1, burst: 1, maxSources: 3 });
  for (const key of ["a", "b", "c"]) limiter.take(key);
  limiter.take("a");
  limiter.take("b");
  limiter.take("d"); // a and b were seen again: c goes
  strictEqual(limiter.size, 3);
  strictEqual(limiter.has("a"), true);
  strictEqual(limiter.has("b"), true);
  strictEqual(limiter.has("c"), false);
  strictEqual(limiter.has("d"), true);
  limiter.take("e"); // the hand cleared a's mark on its way: a goes now
  strictEqual(limiter.has("a"), false);
  strictEqual(limiter.size, 3);
});

Deno.test("RateLimiter.take() gives an evicted source a full bucket", () => {
  const { limiter } = limiterAt({ rate: 1, burst: 2, maxSources: 1 });
  strictEqual(limiter.take("a"), ALLOW);
  strictEqual(limiter.take("a"), ALLOW);
  strictEqual(limiter.take("a"), LIMITED_KISS);
  strictEqual(limiter.take("b"), ALLOW);
  strictEqual(limiter.has("a"), false);
  strictEqual(limiter.take("a"), ALLOW);
  strictEqual(limiter.size, 1);
});

Deno.test("RateLimiter.take() evicts even when every source was seen", () => {
  const { limiter } = limiterAt({ rate: 1, burst: 1, maxSources: 200 });
  for (let i = 0; i < 200; i++) limiter.take(`k${i}`);
  for (let i = 0; i < 200; i++) limiter.take(`k${i}`);
  limiter.take("new");
  strictEqual(limiter.size, 200);
  strictEqual(limiter.has("new"), true);
});

Deno.test("RateLimiter.take() stays bounded and serves steady sources through a spoofed flood", () => {
  // 1e6 one-off spoofed sources at 100,000 a second for 10 s, into a table of 65,536; meanwhile a
  // legitimate source asks 10 times a second (under its rate) and an abusive one 100 times.
  const maxSources = 65_536;
  const { clock, limiter } = limiterAt({ rate: 20, burst: 40, maxSources });
  let legitimateAllowed = 0;
  let legitimateAsked = 0;
  let abusiveAllowed = 0;
  let largest = 0;
  for (let i = 0; i < 1_000_000; i++) {
    clock.now = i / 100; // 0.01 ms per spoofed datagram
    limiter.take(`spoofed-${i}`);
    if (i % 10_000 === 0) {
      legitimateAsked++;
      if (limiter.take("legitimate") === ALLOW) legitimateAllowed++;
    }
    if (i % 1_000 === 0 && limiter.take("abusive") === ALLOW) abusiveAllowed++;
    if (limiter.size > largest) largest = limiter.size;
  }
  strictEqual(largest, maxSources);
  strictEqual(legitimateAllowed, legitimateAsked);
  strictEqual(limiter.has("legitimate"), true);
  // Never forgotten, so never handed a fresh burst: the first 40, then one per 50 ms up to its
  // last request at 9,990 ms.
  strictEqual(limiter.has("abusive"), true);
  strictEqual(abusiveAllowed, 40 + Math.floor(9_990 / 50));
});

const badOptions: [string, Omit<RateLimiterOptions, "now">, string][] = [
  ["a rate of 0", { rate: 0 }, "rate must be more than 0 per second, got 0"],
  ["a negative rate", { rate: -1 }, "rate must be more than 0 per second, got -1"],
  ["an infinite rate", { rate: Infinity }, "rate must be more than 0 per second, got Infinity"],
  ["a burst below 1", { rate: 1, burst: 0.5 }, "burst must be at least 1, got 0.5"],
  [
    "a table of 0",
    { rate: 1, maxSources: 0 },
    "maxSources must be a whole number of at least 1, got 0",
  ],
  [
    "a fractional table",
    { rate: 1, maxSources: 1.5 },
    "maxSources must be a whole number of at least 1, got 1.5",
  ],
];
for (const [name, options, message] of badOptions) {
  Deno.test(`new RateLimiter() rejects ${name}`, () => {
    throws(() => new RateLimiter(options), { name: "RangeError", message });
  });
}

Deno.test("new RateLimiter() defaults the burst and table size", () => {
  const limiter = new RateLimiter({ rate: 20 });
  strictEqual(limiter.burst, 40);
  strictEqual(limiter.rate, 20);
  strictEqual(limiter.maxSources, 65_536);
});

Deno.test("RateLimiter.clear() forgets every source", () => {
  const { limiter } = limiterAt({ rate: 1, burst: 1, maxSources: 2 });
  limiter.take("a");
  limiter.take("b");
  limiter.clear();
  strictEqual(limiter.size, 0);
  strictEqual(limiter.take("a"), ALLOW);
  strictEqual(limiter.take("c"), ALLOW);
  strictEqual(limiter.take("d"), ALLOW);
  strictEqual(limiter.size, 2);
});

const bursts2: [number, number][] = [[20, 40], [10, 20], [0.1, 1], [0.75, 2], [1, 2]];
for (const [rate, burst] of bursts2) {
  Deno.test(`defaultBurst() gives ${burst} at ${rate}/s`, () => {
    strictEqual(defaultBurst(rate), burst);
  });
}

const rates: [string, number | null][] = [
  ["off", null],
  ["OFF", null],
  ["20", 20],
  ["20/s", 20],
  ["600/m", 10],
  ["30/m", 0.5],
  ["0.5/s", 0.5],
  ["1.5", 1.5],
  [" 20/s ", 20],
];
for (const [text, rate] of rates) {
  Deno.test(`parseRate() reads "${text}"`, () => {
    strictEqual(parseRate(text), rate);
  });
}

const badRates: [string, string, string][] = [
  ["", "SyntaxError", 'invalid rate "": expected N/s, N/m or off'],
  ["x", "SyntaxError", 'invalid rate "x": expected N/s, N/m or off'],
  ["20/h", "SyntaxError", 'invalid rate "20/h": expected N/s, N/m or off'],
  ["-5", "SyntaxError", 'invalid rate "-5": expected N/s, N/m or off'],
  ["1e3", "SyntaxError", 'invalid rate "1e3": expected N/s, N/m or off'],
  ["20 /s", "SyntaxError", 'invalid rate "20 /s": expected N/s, N/m or off'],
  ["/s", "SyntaxError", 'invalid rate "/s": expected N/s, N/m or off'],
  ["0", "RangeError", 'invalid rate "0": must be more than 0 (off turns the limit off)'],
  ["0/m", "RangeError", 'invalid rate "0/m": must be more than 0 (off turns the limit off)'],
];
for (const [text, name, message] of badRates) {
  Deno.test(`parseRate() rejects "${text}"`, () => {
    throws(() => parseRate(text), { name, message });
  });
}

const formattedRates: [number | null, string][] = [
  [null, "off"],
  [20, "20/s"],
  [0.5, "30/m"],
  [10 / 60, "10/m"],
  [1 / 7, `${1 / 7}/s`],
];
for (const [rate, text] of formattedRates) {
  Deno.test(`formatRate() writes ${rate} as "${text}"`, () => {
    strictEqual(formatRate(rate), text);
    if (rate !== null && Number.isInteger(rate * 60)) strictEqual(parseRate(text), rate);
  });
}
