import { strictEqual } from "node:assert/strict";
import { AccessList, parseCidr } from "../src/admission/access_list.ts";
import { RateLimiter } from "../src/admission/rate_limiter.ts";
import {
  allowsAnswer,
  type GuardVerdict,
  largestAnswer,
  paddedRequestLength,
  REFLECTION_PORTS,
  UdpGuard,
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
  [1200, "reflection", "reflection"],
  [2002, "reflection", "reflection"],
  [10013, "reflection", "reflection"],
  [10037, "reflection", "reflection"],
  [10123, "reflection", "reflection"],
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

Deno.test("REFLECTION_PORTS lists the small services, NTP, Roughtime and clockd's defaults", () => {
  strictEqual(REFLECTION_PORTS.join(), "7,11,13,17,19,37,123,1200,2002,10013,10037,10123");
});

// clockd answering UDP on 4000 (session), 4001 (daytime), 4002 (time), 4003 (NTP):
// a datagram from any of them, to any of them, is never answered.
const ownPorts = [4000, 4001, 4002, 4003];
for (const service of services) {
  Deno.test(`UdpGuard.check() for ${service} drops datagrams from every port clockd answers UDP on`, () => {
    const guard = new UdpGuard({ service, access: open, limiter: null, udpPorts: ownPorts });
    for (const port of ownPorts) {
      strictEqual(guard.check({ hostname: "192.0.2.1", port }), "reflection", `from ${port}`);
    }
    strictEqual(guard.check({ hostname: "192.0.2.1", port: 4004 }), "ok");
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

/** Each case: request bytes, answer bytes, allowed (3x, 28 bytes of header on each side). */
const answers: [request: number, answer: number, allowed: boolean][] = [
  [0, 56, true], // an empty datagram: (56 + 28) = 3 × (0 + 28)
  [0, 57, false],
  [1, 59, true],
  [5, 71, true],
  [5, 72, false], // "json\n" and a longer answer
  [10, 86, true], // "timestamp\n"
  [48, 48, true], // NTP
  [128, 440, true],
  [128, 441, false],
  [8, 1000, false], // "formats\n"
];
for (const [request, answer, allowed] of answers) {
  Deno.test(`allowsAnswer(): ${answer} bytes for ${request} → ${allowed}`, () => {
    strictEqual(allowsAnswer(request, answer), allowed);
  });
}

Deno.test("paddedRequestLength() is the least request largestAnswer() allows", () => {
  for (let answer = 0; answer < 2000; answer++) {
    const n = paddedRequestLength(answer);
    strictEqual(largestAnswer(n) >= answer, true, `${n} bytes carry ${answer}`);
    if (n > 0) strictEqual(largestAnswer(n - 1) < answer, true, `${n - 1} bytes do not`);
  }
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
