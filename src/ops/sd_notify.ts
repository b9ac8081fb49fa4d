/**
 * The systemd notification protocol (`sd_notify(3)`), spoken by clockd
 * itself: `READY=1` once every listener is bound, `STATUS=…` lines,
 * `STOPPING=1` at shutdown and `WATCHDOG=1` keep-alives, sent as datagrams
 * to the unix socket named by `NOTIFY_SOCKET` (a path, or an abstract name
 * written `@name`).
 *
 * ## How the datagrams are sent, and why
 *
 * Through FFI: libc's `socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
 * SOCK_CLOEXEC)` once, then one `sendto(…, MSG_DONTWAIT | MSG_NOSIGNAL)`
 * per message, to a `sockaddr_un` built here. The only permissions are
 * `--allow-env` (for `NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`) and
 * `--allow-ffi=/lib/x86_64-linux-gnu/libc.so.6` (or this system's libc
 * path, see `LIBC_CANDIDATES` of `libc.ts`): the grant the kernel clock reader
 * (`src/ntp/kernel_clock.ts`) already needs, so the notifier adds none. As
 * there, the FFI permission must name libc by the exact absolute path that
 * is passed to `Deno.dlopen`.
 *
 * The alternatives, as tried on Deno 2.9.6:
 *
 * - `Deno.listenDatagram({ transport: "unixpacket", path })` (a unix
 *   datagram socket despite its name) can send to a path socket, but only
 *   from a socket bound to a path of its own, so it needs `--allow-net`,
 *   `--allow-read` and `--allow-write` on that path's directory and on
 *   `NOTIFY_SOCKET`, plus a writable directory under `ProtectSystem=strict`;
 *   and it cannot reach an abstract socket at all (`@name` is taken as a
 *   relative path: ENOENT; `\0name` fails with EINVAL).
 * - `node:dgram` only creates `udp4` and `udp6` sockets.
 * - Spawning `systemd-notify` needs `--allow-run`, a new process per
 *   watchdog ping, and `NotifyAccess=all` in the unit (the sender is a
 *   child, not the main PID), which lets any process of the service speak
 *   for it; older `systemd-notify` also races its own exit.
 *
 * FFI is the only way that reaches both kinds of socket from the main
 * process, so the unit keeps `NotifyAccess=main`. Sending never blocks
 * the event loop: the socket is non-blocking, and a full queue fails the
 * send (EAGAIN) instead of waiting. No call throws or logs: each returns
 * whether the datagram went out, and {@linkcode SdNotify.lastErrno} says why
 * not, for the caller to log.
 *
 * @module
 */

import { ERRNO_SYMBOLS, openLibc, readErrno } from "../io/linux/libc.ts";
import {
  AF_UNIX,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../io/linux/constants.ts";

/** Where {@linkcode SdNotify.fromEnv} reads the variables: `Deno.env`, or a stand-in. */
export interface SdNotifyEnv {
  /** The value of a variable, or undefined when unset. */
  get(name: string): string | undefined;
}

/** Options of {@linkcode SdNotify.fromEnv}. */
export interface SdNotifyOptions {
  /**
   * Absolute path of libc to load; must match the `--allow-ffi=` path
   * exactly. When undefined, the `LIBC_CANDIDATES` of `libc.ts` of this
   * architecture for which FFI is granted are tried in order.
   *
   * @default {undefined}
   */
  libraryPath?: string;
  /**
   * This process's PID, compared with `WATCHDOG_PID`.
   *
   * @default {Deno.pid}
   */
  pid?: number;
}

/** The largest notification systemd reads (its buffer is `PIPE_BUF`, 4096 bytes). */
export const MAX_NOTIFY_BYTES = 4096;
/** `STATUS=` text is cut to this many characters. */
export const MAX_STATUS_CHARS = 1024;

/** `sizeof(struct sockaddr_un)`: a 2-byte family, then 108 bytes of path. */
const SOCKADDR_UN_SIZE = 110;
const SUN_PATH_OFFSET = 2;
/** The longest path (NUL-terminated) or abstract name (after its leading NUL). */
const SUN_PATH_MAX = 107;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  ...ERRNO_SYMBOLS,
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

const encoder = new TextEncoder();

/**
 * Talks to the service manager through `NOTIFY_SOCKET`.
 *
 * @example Usage
 * ```ts ignore
 * import { SdNotify } from "./sd_notify.ts";
 * const notify = SdNotify.fromEnv(); // null unless started by systemd with Type=notify
 * if (notify?.error) console.error(`sd_notify: ${notify.error}`);
 * notify?.ready("serving");
 * notify?.startWatchdog();
 * // … on SIGTERM:
 * notify?.stopping();
 * notify?.close();
 * ```
 */
export class SdNotify {
  /** The `NOTIFY_SOCKET` value: a path, or `@` and an abstract name. */
  readonly socket: string;
  /**
   * Why no notification can be sent (bad address, no FFI permission, no
   * libc), or null when they can. Every send fails while it is set.
   */
  readonly error: string | null;
  /**
   * How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as systemd
   * recommends, in milliseconds; null when the watchdog is off (unset,
   * invalid, or `WATCHDOG_PID` names another process).
   */
  readonly watchdogIntervalMs: number | null;
  #libc: Libc | null = null;
  #fd = -1;
  readonly #address: Uint8Array | null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #errno = 0;

  /**
   * Builds a notifier; {@linkcode SdNotify.fromEnv} is the usual way.
   *
   * @param socket The `NOTIFY_SOCKET` value.
   * @param watchdogIntervalMs The keep-alive interval in ms, or null.
   * @param options Which libc to load.
   */
  constructor(
    socket: string,
    watchdogIntervalMs: number | null = null,
    options: Pick<SdNotifyOptions, "libraryPath"> = {},
  ) {
    this.socket = socket;
    this.watchdogIntervalMs = watchdogIntervalMs;
    const address = encodeAddress(socket);
    this.#address = typeof address === "string" ? null : address;
    this.error = typeof address === "string" ? address : this.#open(options.libraryPath);
  }

  /**
   * Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`. Never throws
   * and never prompts: without env permission it is as if unset.
   *
   * @param env Where the variables come from.
   * @param options Which libc to load and this process's PID.
   * @returns A notifier (check {@linkcode SdNotify.error}), or null when
   *   `NOTIFY_SOCKET` is unset or empty: not started by a service manager
   *   that wants notifications.
   */
  static fromEnv(env: SdNotifyEnv = Deno.env, options: SdNotifyOptions = {}): SdNotify | null {
    const socket = readVariable(env, "NOTIFY_SOCKET");
    if (socket === undefined || socket === "") return null;
    return new SdNotify(socket, watchdogInterval(env, options.pid ?? Deno.pid), options);
  }

  /**
   * The errno of the last failed send (e.g. 2 ENOENT: no such socket, 111
   * ECONNREFUSED: nobody bound to it, 11 EAGAIN: queue full), 0 after a
   * success.
   */
  get lastErrno(): number {
    return this.#errno;
  }

  /**
   * Sends one raw notification: newline-separated `KEY=VALUE` assignments.
   *
   * @param state E.g. `"READY=1\nSTATUS=serving"`.
   * @returns True when the datagram was sent.
   */
  notify(state: string): boolean {
    if (this.#fd < 0 || this.#libc === null || this.#address === null) return false;
    const bytes = encoder.encode(state);
    if (bytes.length === 0 || bytes.length > MAX_NOTIFY_BYTES) return false;
    try {
      const sent = Number(
        this.#libc.symbols.sendto(
          this.#fd,
          bytes,
          BigInt(bytes.length),
          MSG_DONTWAIT | MSG_NOSIGNAL,
          this.#address,
          this.#address.length,
        ),
      );
      if (sent === bytes.length) {
        this.#errno = 0;
        return true;
      }
      this.#errno = sent < 0 ? this.#readErrno() : 0;
      return false;
    } catch {
      return false;
    }
  }

  /**
   * Says the service is up (`READY=1`), with an optional status line.
   *
   * @param status Shown by `systemctl status`.
   * @returns True when the datagram was sent.
   */
  ready(status?: string): boolean {
    return this.notify(status === undefined ? "READY=1" : `READY=1\n${statusLine(status)}`);
  }

  /**
   * Sets the status line shown by `systemctl status` (`STATUS=…`). Line
   * breaks become spaces; text past {@linkcode MAX_STATUS_CHARS} is cut.
   *
   * @param text The status.
   * @returns True when the datagram was sent.
   */
  status(text: string): boolean {
    return this.notify(statusLine(text));
  }

  /**
   * Says the service is shutting down (`STOPPING=1`).
   *
   * @param status An optional status line.
   * @returns True when the datagram was sent.
   */
  stopping(status?: string): boolean {
    return this.notify(status === undefined ? "STOPPING=1" : `STOPPING=1\n${statusLine(status)}`);
  }

  /**
   * Sends one watchdog keep-alive (`WATCHDOG=1`).
   *
   * @returns True when the datagram was sent.
   */
  watchdog(): boolean {
    return this.notify("WATCHDOG=1");
  }

  /**
   * Pings the watchdog now and every {@linkcode SdNotify.watchdogIntervalMs}
   * from a timer that does not keep the process alive. The pings prove the
   * event loop still turns: a loop blocked for longer than `WatchdogSec=`
   * gets the service restarted. Idempotent.
   *
   * @returns True when the watchdog runs; false when it is off or sending is impossible.
   */
  startWatchdog(): boolean {
    if (this.watchdogIntervalMs === null || this.error !== null || this.#fd < 0) return false;
    if (this.#timer !== null) return true;
    this.watchdog();
    const timer = setInterval(() => this.watchdog(), this.watchdogIntervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
    return true;
  }

  /** Stops the watchdog pings; idempotent. */
  stopWatchdog(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Stops the watchdog and closes the socket and libc; idempotent. Later sends return false. */
  close(): void {
    this.stopWatchdog();
    if (this.#libc === null) return;
    if (this.#fd >= 0) this.#libc.symbols.close(this.#fd);
    this.#fd = -1;
    this.#libc.close();
    this.#libc = null;
  }

  /** Same as {@linkcode SdNotify.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Loads libc and creates the socket; returns why not, or null. */
  #open(libraryPath: string | undefined): string | null {
    const libc = openLibc(SYMBOLS, "sd_notify", libraryPath);
    if ("error" in libc) return libc.error;
    const fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      const errno = readErrno(libc.symbols);
      libc.close();
      return `Cannot create a unix datagram socket (errno ${errno})`;
    }
    this.#libc = libc;
    this.#fd = fd;
    return null;
  }

  #readErrno(): number {
    return this.#libc === null ? 0 : readErrno(this.#libc.symbols);
  }
}

/**
 * Encodes a `NOTIFY_SOCKET` value as a `struct sockaddr_un`, cut to the
 * length the kernel is given: a path with its terminating NUL, or a NUL and
 * an abstract name with no terminator (as systemd's own `sd_notify` does).
 *
 * @param socket An absolute path, or `@` and an abstract name.
 * @returns The address bytes, or a sentence saying why the value is unusable.
 *
 * @example Usage
 * ```ts
 * import { encodeAddress } from "./sd_notify.ts";
 * const address = encodeAddress("@notify") as Uint8Array;
 * if (address.length !== 2 + 1 + 6 || address[2] !== 0) throw new Error("abstract");
 * if (typeof encodeAddress("relative/path") !== "string") throw new Error("rejected");
 * ```
 */
export function encodeAddress(socket: string): Uint8Array | string {
  const abstract = socket.startsWith("@");
  if (!abstract && !socket.startsWith("/")) {
    return `Unsupported NOTIFY_SOCKET "${socket}": expected an absolute path or @abstract-name`;
  }
  const name = encoder.encode(abstract ? socket.slice(1) : socket);
  if (name.length === 0 || name.length > SUN_PATH_MAX || (!abstract && name.includes(0))) {
    return `Unsupported NOTIFY_SOCKET "${socket}": empty, too long or holding NUL`;
  }
  const address = new Uint8Array(SOCKADDR_UN_SIZE);
  // sa_family_t in host byte order: both supported targets are little-endian.
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(name, SUN_PATH_OFFSET + (abstract ? 1 : 0));
  return address.subarray(0, SUN_PATH_OFFSET + 1 + name.length);
}

/**
 * The watchdog interval systemd asks for: half of `WATCHDOG_USEC`, in ms,
 * unless `WATCHDOG_PID` is set and names another process. Never throws.
 *
 * @param env Where `WATCHDOG_USEC` and `WATCHDOG_PID` come from.
 * @param pid This process's PID.
 * @returns The interval in milliseconds (at least 1), or null when the watchdog is off.
 *
 * @example Usage
 * ```ts
 * import { watchdogInterval } from "./sd_notify.ts";
 * const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });
 * if (watchdogInterval(env({ WATCHDOG_USEC: "10000000" }), 42) !== 5000) throw new Error("half");
 * if (watchdogInterval(env({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "7" }), 42) !== null) {
 *   throw new Error("another process's watchdog");
 * }
 * ```
 */
export function watchdogInterval(env: SdNotifyEnv, pid: number): number | null {
  const usec = readVariable(env, "WATCHDOG_USEC");
  const watchdogPid = readVariable(env, "WATCHDOG_PID");
  if (usec === undefined || !/^[0-9]{1,19}$/.test(usec)) return null;
  const micros = Number(usec);
  if (micros <= 0 || !Number.isSafeInteger(micros)) return null;
  if (watchdogPid !== undefined && watchdogPid !== "") {
    if (!/^[0-9]{1,10}$/.test(watchdogPid) || Number(watchdogPid) !== pid) return null;
  }
  return Math.max(1, Math.floor(micros / 2000));
}

function statusLine(text: string): string {
  return `STATUS=${text.replace(/[\r\n]+/g, " ").slice(0, MAX_STATUS_CHARS)}`;
}

function readVariable(env: SdNotifyEnv, name: string): string | undefined {
  try {
    return env.get(name);
  } catch {
    return undefined; // no env permission: as if unset
  }
}
