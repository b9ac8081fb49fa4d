import { strictEqual } from "node:assert/strict";
import { parseCidr } from "../src/admission/access_list.ts";
import { Admission, type AdmissionOptions } from "../src/admission/admission.ts";
import { Metrics } from "../src/ops/metrics.ts";

const NOW = { seconds: 1_700_000_000, nanos: 0 };

function admission(options: Partial<AdmissionOptions> = {}): Admission {
  return new Admission({
    allow: [],
    deny: [],
    tcpRate: null,
    udpRate: null,
    udpBurst: 1,
    rateSources: 64,
    ...options,
  });
}

const tcp = (hostname: string) => ({ transport: "tcp" as const, hostname, port: 40000 });
const udp = (hostname: string, port = 40000) => ({ transport: "udp" as const, hostname, port });
const answer = new Uint8Array(10);
const echo = () => answer;

Deno.test("Admission.tcp() denies listed clients before anything else", () => {
  const a = admission({ deny: [parseCidr("192.0.2.0/24")], tcpRate: 1 });
  strictEqual(a.tcp(tcp("192.0.2.9")), "denied");
  strictEqual(a.tcp(tcp("198.51.100.1")), null);
  strictEqual(a.tcp(tcp("::ffff:192.0.2.9")), "denied", "IPv4-mapped counts as IPv4");
});

Deno.test("Admission.tcp() rate-limits new connections per source", () => {
  const a = admission({ tcpRate: 1 / 60 });
  strictEqual(a.tcp(tcp("192.0.2.1")), null);
  strictEqual(a.tcp(tcp("192.0.2.1")), "rate-limited");
  strictEqual(a.tcp(tcp("192.0.2.2")), null, "another source has its own bucket");
});

Deno.test("Admission.udp() drops reflection ports, denied and rate-limited sources, counting each", () => {
  const metrics = new Metrics();
  const counters = metrics.counter("session", "udp");
  const a = admission({ deny: [parseCidr("203.0.113.0/24")], udpRate: 1 / 60 });
  const handle = a.udp("session", [1200, 1300], echo);
  const request = new Uint8Array(9);
  strictEqual(handle(request, udp("192.0.2.1", 37), counters, NOW, 0), null);
  strictEqual(
    handle(request, udp("192.0.2.1", 1200), counters, NOW, 0),
    null,
    "the listener's own port",
  );
  strictEqual(handle(request, udp("203.0.113.5"), counters, NOW, 0), null);
  strictEqual(handle(request, udp("192.0.2.1"), counters, NOW, 0), answer);
  strictEqual(handle(request, udp("192.0.2.1"), counters, NOW, 0), null);
  strictEqual(counters.drops.reflection, 2);
  strictEqual(counters.drops.denied, 1);
  strictEqual(counters.drops["rate-limited"], 1);
});

Deno.test("Admission.udp() sends NTP's kiss instead of a rate-limit drop, and accepts source port 123", () => {
  const counters = new Metrics().counter("ntp", "udp");
  const kiss = new Uint8Array(48);
  const handle = admission({ udpRate: 1 / 60 }).udp("ntp", [123], echo, () => kiss);
  const request = new Uint8Array(48);
  strictEqual(
    handle(request, udp("192.0.2.1", 123), counters, NOW, 0),
    answer,
    "NTP peers use port 123",
  );
  strictEqual(handle(request, udp("192.0.2.1", 123), counters, NOW, 0), kiss);
  strictEqual(
    handle(request, udp("192.0.2.1", 123), counters, NOW, 0),
    null,
    "one kiss per interval",
  );
  strictEqual(
    handle(request, udp("192.0.2.1", 13), counters, NOW, 0),
    null,
    "daytime's port is dropped",
  );
});

Deno.test("Admission.udp() never sends more than 3x the request, at any rate setting", () => {
  for (const udpRate of [null, 1000]) {
    const counters = new Metrics().counter("session", "udp");
    const big = new Uint8Array(300);
    const short = new TextEncoder().encode("ERR short\n");
    const handle = admission({ udpRate, udpBurst: 10 }).udp(
      "session",
      [1200],
      () => big,
      undefined,
      () => short,
    );
    strictEqual(handle(new Uint8Array(4), udp("192.0.2.1"), counters, NOW, 0), short);
    strictEqual(handle(new Uint8Array(128), udp("192.0.2.1"), counters, NOW, 0), big, "padded");
    strictEqual(counters.drops.amplification, 1);
    const time = admission({ udpRate }).udp("time", [37], () => big);
    strictEqual(
      time(new Uint8Array(0), udp("192.0.2.1"), counters, NOW, 0),
      null,
      "no short answer",
    );
  }
});
