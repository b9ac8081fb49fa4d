/**
 * The session protocol's request → answer logic, with no sockets: one request
 * line in, one answer line out. The TCP and UDP loops are thin wrappers around
 * {@linkcode SessionProtocol.answer}.
 *
 * Grammar (words case-insensitive, blanks around them ignored):
 *
 * | request              | answer                                        |
 * | -------------------- | --------------------------------------------- |
 * | (empty)              | the time in the session's format              |
 * | `timestamp`, `unix`  | Unix seconds                                  |
 * | `FORMAT [ZONE]`      | that format, in ZONE or the session's zone    |
 * | `format NAME`        | sets the session's format: `OK format NAME`   |
 * | `tz ZONE`            | sets the session's zone: `OK tz ZONE`         |
 * | `formats`            | every format name on one line                 |
 * | `status`             | the clock's synchronisation state             |
 * | `stats`              | the server's counters, one line               |
 * | `help`               | one line of usage                             |
 * | `quit`, `exit`       | `BYE`, then the session closes                |
 * | anything else        | the time in the session's format              |
 *
 * `timestamp` is the format `unix`. A ZONE is honoured or refused, never
 * dropped: formats that are zone-less by definition (the Unix counts,
 * `http`, `nist`, `mjd`, `jd`, `ntp`, `tai64n`) check it and ignore it.
 *
 * Request bytes are read one character per byte (Latin-1). An `ERR` answer
 * that echoes what the client sent (an unknown zone or format) quotes it
 * exactly as sent, case kept, and writes only printable ASCII: bytes 0x20 to
 * 0x7E stand for themselves, except `"` and `\`; those two and every other
 * byte (tab and the other control bytes, ESC, DEL, anything above 0x7F) are
 * written `\xhh`, two lower-case hex digits per byte as received. A UTF-8
 * `é` comes back as `\xc3\xa9`, never re-encoded, and no control byte
 * reaches the client's terminal.
 *
 * @module
 */

import { MAX_REQUEST_BYTES } from "./request_framer.ts";
import type { Clock } from "../../time/clock.ts";
import { NANOS_PER_SECOND } from "../../time/instant.ts";
import {
  FORMATS,
  getFormat,
  type LeapSecond,
  type RenderContext,
  type TimeFormat,
} from "../../time/formats.ts";
import { resolveZone, type Zone } from "../../time/zone.ts";
import type { KernelClock } from "../../time/kernel_clock.ts";
import { nearInsertion, readLeapAware } from "../../time/leap_reading.ts";
import { LEAP_SECONDS } from "../../time/leap_table.ts";

/** The answer to an over-long request; the session closes after it. */
export const TOO_LONG_ANSWER = `ERR request too long (max ${MAX_REQUEST_BYTES} bytes)`;
/** The answer when a session is refused for the session limits. */
export const BUSY_ANSWER = "ERR busy";
/** The answer to `stats` over UDP: it is answered over TCP only. */
export const STATS_OVER_UDP_ANSWER = "ERR stats over TCP only";
/** The answer to `quit` and `exit`. */
export const BYE_ANSWER = "BYE";

/** What one session remembers between requests. */
export interface SessionState {
  /** The format an empty or unrecognised request is answered in. */
  format: TimeFormat;
  /** The zone answers are rendered in when a request names none. */
  zone: Zone;
  /** Set by `quit`/`exit`: the session closes after this answer. */
  closing: boolean;
  /** False for UDP, where `format` and `tz` cannot persist. */
  readonly persistent: boolean;
}

/** Server-wide facts a request can ask for. */
export interface SessionInfo {
  /** One line on the clock's state, for the `status` command. */
  status(): string;
  /** One line of counters, for the `stats` command. */
  stats(): string;
}

/** Settings of a {@linkcode SessionProtocol}. */
export interface SessionProtocolOptions {
  /** Where "now" comes from. */
  clock: Clock;
  /** The format of a new session. */
  defaultFormat: TimeFormat;
  /** The zone of a new session. */
  defaultZone: Zone;
  /**
   * Answers `status` and `stats`.
   *
   * @default {a provider answering "OK status unavailable", "OK stats unavailable"}
   */
  info?: SessionInfo;
  /**
   * The leap-second table in force (a `LeapSeconds`), read on every answer
   * so a reload reaches `tai64n`, `json` and `nist` at once.
   *
   * @default {the built-in table}
   */
  leapSeconds?: { readonly entries: readonly LeapSecond[] };
  /**
   * The kernel clock, asked within a second of an insertion the table
   * knows of whether the clock shows the inserted second (so `rfc3339`,
   * `go` and every format with a time of day write `23:59:60`).
   *
   * @default {null: no reading is taken for a leap second}
   */
  kernel?: KernelClock | null;
}

const HELP_ANSWER =
  "OK requests: (empty) | timestamp | FORMAT [ZONE] | format NAME | tz ZONE | formats | status | stats | help | quit";
const FORMATS_ANSWER = "OK " + FORMATS.map((format) => format.name).join(" ");
const MAX_CACHED_ZONES = 512;
const UNIX = getFormat("unix")!;

/** A whole-second answer, kept for the rest of its second. */
interface CachedAnswer {
  second: number;
  text: string;
}

/**
 * Answers session requests. One instance serves every session of a server;
 * per-session state lives in {@linkcode SessionState}.
 *
 * @example Usage
 * ```ts
 * import { SessionProtocol } from "./session_protocol.ts";
 * import { fixedClock } from "../../time/clock.ts";
 * import { getFormat } from "../../time/formats.ts";
 * import { UTC } from "../../time/zone.ts";
 * const protocol = new SessionProtocol({
 *   clock: fixedClock({ seconds: 1795257245, nanos: 0 }),
 *   defaultFormat: getFormat("go")!,
 *   defaultZone: UTC,
 * });
 * const state = protocol.newState(true);
 * if (protocol.answerText(state, "timestamp") !== "1795257245") throw new Error("answer");
 * ```
 */
export class SessionProtocol {
  readonly #clock: Clock;
  #defaultFormat: TimeFormat;
  #defaultZone: Zone;
  readonly #info: SessionInfo;
  readonly #zones = new Map<string, Zone>();
  readonly #answers = new Map<string, CachedAnswer>();
  readonly #leaps: { readonly entries: readonly LeapSecond[] } | null;
  readonly #kernel: KernelClock | null;
  #context: RenderContext = {};

  /** @param options The clock, the defaults and the server facts. */
  constructor(options: SessionProtocolOptions) {
    this.#clock = options.clock;
    this.#defaultFormat = options.defaultFormat;
    this.#defaultZone = options.defaultZone;
    this.#leaps = options.leapSeconds ?? null;
    this.#kernel = options.kernel ?? null;
    this.#info = options.info ??
      { status: () => "OK status unavailable", stats: () => "OK stats unavailable" };
  }

  /**
   * A fresh session state with the server's defaults.
   *
   * @param persistent True for a TCP session, false for a UDP datagram.
   * @returns The state.
   */
  /**
   * Changes the format and zone of sessions opened from now on (a reload);
   * open sessions keep theirs.
   *
   * @param defaults The new defaults.
   */
  setDefaults(defaults: { defaultFormat: TimeFormat; defaultZone: Zone }): void {
    this.#defaultFormat = defaults.defaultFormat;
    this.#defaultZone = defaults.defaultZone;
  }

  newState(persistent: boolean): SessionState {
    return {
      format: this.#defaultFormat,
      zone: this.#defaultZone,
      closing: false,
      persistent,
    };
  }

  /**
   * Answers one request given as bytes (as the framer hands them over).
   *
   * @param state The session's state; updated by `format`, `tz` and `quit`.
   * @param bytes The buffer holding the request.
   * @param start Where the request starts.
   * @param end Where it ends (terminator excluded).
   * @returns The answer, one line with no line ending.
   */
  answer(state: SessionState, bytes: Uint8Array, start: number, end: number): string {
    // Trim blanks (space, tab, CR, NUL, VT, FF) on both sides.
    while (start < end && isBlank(bytes[start])) start++;
    while (end > start && isBlank(bytes[end - 1])) end--;
    if (start === end) return this.#timeIn(state.format, state.zone);
    // The hot request, matched without making a string.
    if (end - start === 9 && equalsLowerAscii(bytes, start, "timestamp")) {
      return this.#timeIn(UNIX, state.zone);
    }
    let text = "";
    for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
    return this.#answerWords(state, text);
  }

  /**
   * Answers one request given as text, for tests and tools.
   *
   * @param state The session's state.
   * @param request The request line, without line ending.
   * @returns The answer line.
   */
  answerText(state: SessionState, request: string): string {
    const bytes = new TextEncoder().encode(request);
    return this.answer(state, bytes, 0, bytes.length);
  }

  /** Answers a trimmed request, one character per byte, case as sent. */
  #answerWords(state: SessionState, text: string): string {
    const words = text.split(BLANKS);
    const verb = words[0].toLowerCase();
    switch (verb) {
      case "format":
        return this.#setFormat(state, words, text);
      case "tz":
        return this.#setZone(state, words, text);
      case "formats":
        return FORMATS_ANSWER;
      case "status":
        return this.#info.status();
      case "stats":
        // The process's memory and descriptors are no business of a spoofable source.
        return state.persistent ? this.#info.stats() : STATS_OVER_UDP_ANSWER;
      case "help":
        return HELP_ANSWER;
      case "quit":
      case "exit":
        state.closing = true;
        return BYE_ANSWER;
    }
    const format = getFormat(verb);
    if (format === undefined) return this.#timeIn(state.format, state.zone);
    if (words.length === 1) return this.#timeIn(format, state.zone);
    if (words.length > 2) return `ERR expected "FORMAT [ZONE]", got ${words.length} words`;
    const zone = this.#zone(words[1]);
    if (zone === undefined) return `ERR unknown time zone ${quoted(words[1])}`;
    return this.#timeIn(format, zone);
  }

  #setFormat(state: SessionState, words: string[], text: string): string {
    if (words.length === 1) return `OK format ${state.format.name}`;
    if (!state.persistent) return "ERR format needs a TCP session";
    const format = words.length === 2 ? getFormat(words[1]) : undefined;
    if (format === undefined) return `ERR unknown format ${quoted(argument(text))}`;
    state.format = format;
    return `OK format ${format.name}`;
  }

  #setZone(state: SessionState, words: string[], text: string): string {
    if (words.length === 1) return `OK tz ${state.zone.name}`;
    if (!state.persistent) return "ERR tz needs a TCP session";
    const zone = words.length === 2 ? this.#zone(words[1]) : undefined;
    if (zone === undefined) return `ERR unknown time zone ${quoted(argument(text))}`;
    state.zone = zone;
    return `OK tz ${zone.name}`;
  }

  /** Resolves a zone, remembering up to {@linkcode MAX_CACHED_ZONES} of them. */
  #zone(text: string): Zone | undefined {
    let zone = this.#zones.get(text);
    if (zone !== undefined) return zone;
    try {
      zone = resolveZone(text);
    } catch {
      return undefined;
    }
    if (this.#zones.size >= MAX_CACHED_ZONES) {
      this.#zones.delete(this.#zones.keys().next().value!);
    }
    this.#zones.set(text, zone);
    return zone;
  }

  /** Renders now; whole-second formats are served from a per-second cache. */
  #timeIn(format: TimeFormat, zone: Zone): string {
    if (format.resolutionNanos >= NANOS_PER_SECOND) {
      // Answered before this second? One cheap read of the second says.
      const second = this.#clock.seconds();
      if (this.#kernel === null || !nearInsertion(second, this.#renderContext().leapSeconds!)) {
        const cached = this.#answers.get(answerKey(format, zone));
        if (cached !== undefined && cached.second === second) return cached.text;
      }
    }
    let now = this.#clock.now();
    if (this.#kernel !== null && nearInsertion(now.seconds, this.#renderContext().leapSeconds!)) {
      const reading = readLeapAware(this.#clock, this.#context.leapSeconds!, this.#kernel);
      now = reading.instant;
      if (reading.insertedLeapSecond) {
        const context = { ...this.#context, insertedLeapSecond: true };
        return format.render(now, zone, this.#clock.monotonicNanos(), context);
      }
    }
    if (format.resolutionNanos < NANOS_PER_SECOND) {
      return format.render(now, zone, this.#clock.monotonicNanos(), this.#renderContext());
    }
    const key = answerKey(format, zone);
    const cached = this.#answers.get(key);
    if (cached !== undefined && cached.second === now.seconds) return cached.text;
    const text = format.render(now, zone, 0, this.#renderContext());
    if (cached !== undefined) {
      cached.second = now.seconds;
      cached.text = text;
    } else {
      if (this.#answers.size >= MAX_CACHED_ZONES) this.#answers.clear();
      this.#answers.set(key, { second: now.seconds, text });
    }
    return text;
  }
  /** The render context for the table in force, rebuilt only when it is replaced. */
  #renderContext(): RenderContext {
    const entries = this.#leaps?.entries ?? LEAP_SECONDS;
    if (this.#context.leapSeconds !== entries) {
      this.#context = { leapSeconds: entries };
    }
    return this.#context;
  }
}

/** The blanks between words: space, tab, VT, FF, CR, NUL. */
const BLANKS = /[ \t\v\f\r\0]+/;

/** Everything after a trimmed request's first word and the blanks after it, as sent. */
function argument(text: string): string {
  const match = BLANKS.exec(text);
  return match === null ? "" : text.slice(match.index + match[0].length);
}

/**
 * Client text (one character per byte) in double quotes for an `ERR` line:
 * printable ASCII but `"` and `\` as is, every other byte as `\xhh`.
 */
function quoted(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c
      ? text[i]
      : "\\x" + code.toString(16).padStart(2, "0");
  }
  return out + '"';
}

function isBlank(byte: number): boolean {
  return byte === 32 || byte === 9 || byte === 13 || byte === 0 || byte === 11 || byte === 12;
}

function equalsLowerAscii(bytes: Uint8Array, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const byte = bytes[start + i];
    if ((byte >= 65 && byte <= 90 ? byte + 32 : byte) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** The key of an answer cached for a second: the format, and the zone if it shows one. */
function answerKey(format: TimeFormat, zone: Zone): string {
  return format.zoned ? format.name + " " + zone.name : format.name;
}
