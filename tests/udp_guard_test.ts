import { strictEqual, throws } from "node:assert/strict";
import { AccessList, parseCidr } from "../src/admission/access_list.ts";
import { RateLimiter } from "../src/admission/rate_limiter.ts";
import {
  type GuardVerdict,
  REFLECTION_PORTS,
  UdpGuard,
  type UdpGuardOptions,
  type UdpService,
} from "../src/admission/udp_guard.ts";

const open = new AccessList();
const services: UdpService[] = ["session", "daytime", "time", "ntp"];

/** A limiter on a clock the test moves by hand. */
function limiterAt(rate: number, burst: number) {
  const clock = { now: 0 };
  const limiter = new RateLimiter({ rate, burst, now: () => clock.now });
  return { clock, limiter };
}

const ports: [port: number, text: GuardVerdict, ntp: GuardVerdict][] = [
  [7, "reflection", "reflection"],
  [11, "reflection", "reflection"],
  [13, "reflection", "reflection"],
  [17, "reflection", "reflection"],
  [19, "reflection", "reflection"],
  [37, "reflection", "reflection"],
  [123, "reflection", "ok"],
  [0, "ok", "ok"],
  [53, "ok", "ok"],
  [1024, "ok", "ok"],
  [40_000, "ok", "ok"],
  [65_535, "ok", "ok"],
];
for (const service of services) {
  for (const [port, text, ntp] of ports) {
    const expected = service === "ntp" ? ntp : text;
    Deno.test(`UdpGuard.check() for ${service} says ${expected} to source port ${port}`, () => {
      const guard = new UdpGuard({ service, access: open, limiter: null });
      strictEqual(guard.check({ hostname: "192.0.2.1", port }), expected);
    });
  }
}

Deno.test("REFLECTION_PORTS lists the classic small services and NTP", () => {
  strictEqual(REFLECTION_PORTS.join(), "7,11,13,17,19,37,123");
});

const localPorts: [UdpService, number, GuardVerdict][] = [
  ["session", 1200, "reflection"],
  ["session", 1201, "ok"],
  ["daytime", 1300, "reflection"],
  ["ntp", 1200, "ok"],
];
for (const [service, port, expected] of localPorts) {
  Deno.test(`UdpGuard.check() for ${service} on port 1200 or 1300 says ${expected} to port ${port}`, () => {
    const localPort = service === "daytime" ? 1300 : 1200;
    const guard = new UdpGuard({ service, access: open, limiter: null, localPort });
    strictEqual(guard.check({ hostname: "192.0.2.1", port }), expected);
  });
}

Deno.test("UdpGuard.check() denies what the access list refuses, before taking a token", () => {
  const { limiter } = limiterAt(1, 1);
  const access = new AccessList([parseCidr("192.0.2.0/24")], [parseCidr("192.0.2.66")]);
  const guard = new UdpGuard({ service: "session", access, limiter });
  strictEqual(guard.check({ hostname: "192.0.2.66", port: 40_000 }), "denied");
  strictEqual(guard.check({ hostname: "198.51.100.1", port: 40_000 }), "denied");
  strictEqual(guard.check({ hostname: "2001:db8::1", port: 40_000 }), "denied");
  strictEqual(limiter.size, 0);
  strictEqual(guard.check({ hostname: "::ffff:192.0.2.1", port: 40_000 }), "ok");
  strictEqual(limiter.size, 1);
});

Deno.test("UdpGuard.check() drops reflection before the access list and the limiter", () => {
  const { limiter } = limiterAt(1, 1);
  const access = new AccessList([], [parseCidr("192.0.2.66")]);
  const guard = new UdpGuard({ service: "daytime", access, limiter });
  strictEqual(guard.check({ hostname: "192.0.2.66", port: 19 }), "reflection");
  strictEqual(guard.check({ hostname: "192.0.2.1", port: 19 }), "reflection");
  strictEqual(limiter.size, 0);
});

/** Each step: at `at` ms, a datagram from `hostname` gets `verdict`. */
type Step = [at: number, hostname: string, verdict: GuardVerdict];
const rateSteps: [UdpService, Step[]][] = [
  ["session", [
    [0, "192.0.2.1", "ok"],
    [0, "192.0.2.1", "ok"],
    [0, "192.0.2.1", "rate-limited"], // the limiter says kiss; only NTP kisses
    [0, "192.0.2.1", "rate-limited"],
    [500, "192.0.2.1", "ok"],
  ]],
  ["ntp", [
    [0, "192.0.2.1", "ok"],
    [0, "192.0.2.1", "ok"],
    [0, "192.0.2.1", "rate-limited-kiss"],
    [0, "192.0.2.1", "rate-limited"],
    [500, "192.0.2.1", "ok"],
    [500, "192.0.2.1", "rate-limited"],
    [1000, "192.0.2.1", "ok"],
    [1000, "192.0.2.1", "rate-limited-kiss"], // a second after the last kiss
  ]],
  ["time", [ // mapped and plain IPv4 share one bucket
    [0, "::ffff:192.0.2.1", "ok"],
    [0, "192.0.2.1", "ok"],
    [0, "::ffff:c000:201", "rate-limited"],
    [0, "192.0.2.2", "ok"],
  ]],
  ["daytime", [ // one IPv6 /64 shares one bucket
    [0, "2001:db8::1", "ok"],
    [0, "2001:db8::ffff:2", "ok"],
    [0, "2001:db8:0:0:1::3", "rate-limited"],
    [0, "2001:db8:0:1::1", "ok"],
  ]],
];
for (const [service, steps] of rateSteps) {
  Deno.test(`UdpGuard.check() for ${service} applies the rate limit per source prefix`, () => {
    const { clock, limiter } = limiterAt(2, 2);
    const guard = new UdpGuard({ service, access: open, limiter });
    for (const [index, [at, hostname, verdict]] of steps.entries()) {
      clock.now = at;
      strictEqual(guard.check({ hostname, port: 40_000 }), verdict, `step ${index}`);
    }
  });
}

Deno.test("UdpGuard.check() says ok to everything permitted when the limiter is off", () => {
  const guard = new UdpGuard({ service: "session", access: open, limiter: null });
  for (let i = 0; i < 1000; i++) {
    strictEqual(guard.check({ hostname: "192.0.2.1", port: 40_000 }), "ok");
  }
});

/** Each case: request bytes, answer bytes, whether it passed a limit (undefined: default), allowed. */
type AnswerCase = [request: number, answer: number, passed: boolean | undefined, allowed: boolean];
const answers: [string, Partial<UdpGuardOptions>, AnswerCase[]][] = [
  ["with the limiter off", { limiter: null }, [
    [0, 84, undefined, true], // empty datagram: (84 + 28) = 4 × (0 + 28)
    [0, 85, undefined, false],
    [1, 88, undefined, true], // an empty line, a time line of up to 88 bytes
    [5, 104, undefined, true],
    [5, 105, undefined, false], // "help\n" and its 105-byte answer line
    [10, 124, undefined, true], // "timestamp\n"
    [48, 48, undefined, true], // NTP
    [128, 500, undefined, true],
    [8, 1000, undefined, false], // "formats\n"
    [8, 1000, true, true], // unless the caller says it passed a limit
  ]],
  ["with the limiter on", { limiter: new RateLimiter({ rate: 1 }) }, [
    [0, 84, undefined, true],
    [0, 1000, undefined, true], // check() said ok: it passed the limit
    [8, 1000, false, false],
  ]],
  ["with a factor of 1", { limiter: null, amplificationFactor: 1 }, [
    [10, 10, undefined, true],
    [10, 11, undefined, false],
    [0, 0, undefined, true],
  ]],
];
for (const [name, options, cases] of answers) {
  for (const [request, answer, passed, allowed] of cases) {
    const passedText = passed === undefined ? "" : `, passed: ${passed}`;
    Deno.test(
      `UdpGuard.allowsAnswer() ${name}: ${answer} bytes for ${request}${passedText} → ${allowed}`,
      () => {
        const guard = new UdpGuard({ service: "session", access: open, limiter: null, ...options });
        strictEqual(guard.allowsAnswer(request, answer, passed), allowed);
      },
    );
  }
}

Deno.test("new UdpGuard() rejects an amplification factor below 1", () => {
  throws(
    () => new UdpGuard({ service: "ntp", access: open, limiter: null, amplificationFactor: 0.5 }),
    { name: "RangeError", message: "amplification factor must be at least 1, got 0.5" },
  );
});

Deno.test("UdpGuard verdicts are metric labels", () => {
  const verdicts: GuardVerdict[] = [
    "ok",
    "reflection",
    "denied",
    "rate-limited",
    "rate-limited-kiss",
  ];
  for (const verdict of verdicts) strictEqual(/^[a-z][a-z-]*$/.test(verdict), true, verdict);
});
