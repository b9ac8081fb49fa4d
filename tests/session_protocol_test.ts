import { match, strictEqual } from "node:assert/strict";
import { fixedClock } from "../src/time/clock.ts";
import { FORMATS, getFormat } from "../src/time/formats.ts";
import { SessionProtocol } from "../src/protocols/session/session_protocol.ts";
import { UTC } from "../src/time/zone.ts";

// 2026-11-21T09:54:05.123456789Z, 12.5 s after start.
const clock = fixedClock({ seconds: 1795254845, nanos: 123456789 }, 12_500_000_000);
const GO = "2026-11-21 09:54:05.123456789 +0000 UTC m=+12.500000000";

function protocol(info?: { status(): string; stats(): string }): SessionProtocol {
  return new SessionProtocol({ clock, defaultFormat: getFormat("go")!, defaultZone: UTC, info });
}

const answers: [string, string][] = [
  ["", GO],
  ["   ", GO],
  ["timestamp", "1795254845"],
  ["TimeStamp", "1795254845"],
  ["  timestamp\t", "1795254845"],
  ["unix", "1795254845"],
  ["unixms", "1795254845123"],
  ["rfc3339", "2026-11-21T09:54:05Z"],
  ["RFC3339 Asia/Kolkata", "2026-11-21T15:24:05+05:30"],
  ["rfc3339   europe/paris", "2026-11-21T10:54:05+01:00"],
  ["rfc3339 +05:30", "2026-11-21T15:24:05+05:30"],
  ["rfc3339nano utc", "2026-11-21T09:54:05.123456789Z"],
  ["timestamp Europe/Paris", "1795254845"],
  ["rfc1123", "Sat, 21 Nov 2026 09:54:05 UTC"],
  ["rfc1123 Europe/Paris", "Sat, 21 Nov 2026 10:54:05 CET"],
  ["RFC1123 America/New_York", "Sat, 21 Nov 2026 04:54:05 EST"],
  ["http Europe/Paris", "Sat, 21 Nov 2026 09:54:05 GMT"],
  ["timestamp Mars/Olympus_Mons", 'ERR unknown time zone "Mars/Olympus_Mons"'],
  ["unix Mars/Olympus_Mons", 'ERR unknown time zone "Mars/Olympus_Mons"'],
  ["timestamp UTC extra", 'ERR expected "FORMAT [ZONE]", got 3 words'],
  ["rfc3339 Mars/Olympus", 'ERR unknown time zone "Mars/Olympus"'],
  ["rfc3339 UTC extra", 'ERR expected "FORMAT [ZONE]", got 3 words'],
  ["what time is it", GO],
  ["\u00ff\u0001binary", GO],
  [
    "help",
    "OK requests: (empty) | timestamp | FORMAT [ZONE] | format NAME | tz ZONE | formats | status | stats | help | quit",
  ],
  ["formats", "OK " + FORMATS.map((f) => f.name).join(" ")],
  ["status", "OK status unavailable"],
  ["stats", "OK stats unavailable"],
  ["format", "OK format go"],
  ["tz", "OK tz UTC"],
];
for (const [request, expected] of answers) {
  Deno.test(`SessionProtocol.answer() answers ${JSON.stringify(request)}`, () => {
    const p = protocol();
    strictEqual(p.answerText(p.newState(true), request), expected);
  });
}

Deno.test("SessionProtocol.answer() keeps format and tz for the session", () => {
  const p = protocol();
  const state = p.newState(true);
  strictEqual(p.answerText(state, "format RFC3339"), "OK format rfc3339");
  strictEqual(p.answerText(state, ""), "2026-11-21T09:54:05Z");
  strictEqual(p.answerText(state, "tz Asia/Kolkata"), "OK tz Asia/Kolkata");
  strictEqual(p.answerText(state, "rfc1123"), "Sat, 21 Nov 2026 15:24:05 IST");
  strictEqual(p.answerText(state, "anything"), "2026-11-21T15:24:05+05:30");
  strictEqual(p.answerText(state, "format nope"), 'ERR unknown format "nope"');
  strictEqual(p.answerText(state, "tz Nowhere"), 'ERR unknown time zone "Nowhere"');
  strictEqual(p.answerText(state, ""), "2026-11-21T15:24:05+05:30");
  strictEqual(p.answerText(p.newState(true), ""), GO, "another session keeps the defaults");
});

Deno.test("SessionProtocol.answer() echoes an unknown zone or format as the client sent it", () => {
  const p = protocol();
  for (const persistent of [true, false]) {
    const state = p.newState(persistent);
    strictEqual(
      p.answerText(state, "rfc3339 Mars/Olympus_Mons"),
      'ERR unknown time zone "Mars/Olympus_Mons"',
    );
    strictEqual(
      p.answerText(state, "RFC3339 EUROPE/Nowhere"),
      'ERR unknown time zone "EUROPE/Nowhere"',
    );
  }
  const state = p.newState(true);
  strictEqual(
    p.answerText(state, "TZ Mars/Olympus_Mons"),
    'ERR unknown time zone "Mars/Olympus_Mons"',
  );
  strictEqual(p.answerText(state, "tz Mars  Base"), 'ERR unknown time zone "Mars  Base"');
  strictEqual(p.answerText(state, "format Nope Nope"), 'ERR unknown format "Nope Nope"');
});

Deno.test("SessionProtocol.answer() escapes every byte outside printable ASCII in ERR lines", () => {
  const p = protocol();
  const state = p.newState(true);
  const ask = (bytes: number[]) => p.answer(state, new Uint8Array(bytes), 0, bytes.length);
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  // "é" as UTF-8 comes back as its two bytes, not double-encoded.
  strictEqual(p.answerText(state, "rfc3339 Café"), 'ERR unknown time zone "Caf\\xc3\\xa9"');
  strictEqual(p.answerText(state, "tz Café"), 'ERR unknown time zone "Caf\\xc3\\xa9"');
  strictEqual(p.answerText(state, "format é"), 'ERR unknown format "\\xc3\\xa9"');
  // A Latin-1 byte, as received.
  strictEqual(ask([...ascii("tz Caf"), 0xe9]), 'ERR unknown time zone "Caf\\xe9"');
  // Terminal control bytes (ESC, BEL, DEL, C1 CSI) never reach the client raw.
  strictEqual(
    ask([...ascii("rfc3339 "), 0x1b, ...ascii("[2J"), 0x07, 0x7f, 0x9b]),
    'ERR unknown time zone "\\x1b[2J\\x07\\x7f\\x9b"',
  );
  // Blanks inside the echoed text, a backslash and a quote are escaped too.
  strictEqual(ask([...ascii("tz a"), 0x09, ...ascii("b")]), 'ERR unknown time zone "a\\x09b"');
  strictEqual(p.answerText(state, 'tz a\\x41"b'), 'ERR unknown time zone "a\\x5cx41\\x22b"');
  for (let byte = 0; byte < 256; byte++) {
    const answer = ask([...ascii("format x"), byte, ...ascii("y")]);
    match(answer, /^ERR unknown format "[\x20-\x7e]+"$/, `byte ${byte}`);
  }
});

Deno.test("SessionProtocol.answer() refuses format and tz without a session", () => {
  const p = protocol();
  const state = p.newState(false);
  strictEqual(p.answerText(state, "format unix"), "ERR format needs a TCP session");
  strictEqual(p.answerText(state, "tz UTC"), "ERR tz needs a TCP session");
  strictEqual(p.answerText(state, ""), GO);
});

Deno.test("SessionProtocol.answer() marks the session closing on quit and exit", () => {
  const p = protocol();
  for (const word of ["quit", "EXIT", " quit "]) {
    const state = p.newState(true);
    strictEqual(p.answerText(state, word), "BYE");
    strictEqual(state.closing, true);
  }
});

Deno.test("SessionProtocol.answer() answers status from the server's info", () => {
  const p = protocol({ status: () => "OK synchronised=no", stats: () => "OK up=1" });
  strictEqual(p.answerText(p.newState(true), "STATUS"), "OK synchronised=no");
  strictEqual(p.answerText(p.newState(true), "stats"), "OK up=1");
});

Deno.test("SessionProtocol.answer() reads a request out of a larger buffer", () => {
  const p = protocol();
  const bytes = new TextEncoder().encode("xxtimestampyy");
  strictEqual(p.answer(p.newState(true), bytes, 2, 11), "1795254845");
});

Deno.test("SessionProtocol.answer() serves whole-second answers fresh each second", () => {
  let now = { seconds: 100, nanos: 0 };
  const p = new SessionProtocol({
    clock: { now: () => now, seconds: () => now.seconds, monotonicNanos: () => 0 },
    defaultFormat: getFormat("go")!,
    defaultZone: UTC,
  });
  const state = p.newState(true);
  strictEqual(p.answerText(state, "timestamp"), "100");
  now = { seconds: 100, nanos: 999_999_999 };
  strictEqual(p.answerText(state, "timestamp"), "100");
  now = { seconds: 101, nanos: 0 };
  strictEqual(p.answerText(state, "timestamp"), "101");
  strictEqual(p.answerText(state, "rfc3339 +01:00"), "1970-01-01T01:01:41+01:00");
  strictEqual(p.answerText(state, "rfc3339"), "1970-01-01T00:01:41Z");
});
