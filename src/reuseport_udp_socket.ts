/**
 * A UDP socket opened through libc with SO_REUSEPORT, read with blocking
 * `recvfrom` and written with `sendto`: the socket under the opt-in NTP fast
 * path (`--ntp-workers`). Deno's own `listenDatagram` has no `reusePort` in
 * 2.9.6, and its asynchronous receive costs more per datagram than a
 * synchronous call from a dedicated worker.
 *
 * Only `buffer` parameters cross the FFI boundary, so the FFI permission can
 * stay scoped to libc's path (pointer helpers such as
 * `Deno.UnsafePointer.of`, which `recvmmsg` would need, require an unscoped
 * `--allow-ffi`).
 *
 * @module
 */

import { openLibc } from "./libc.ts";
import { formatIpv4, formatIpv6, parseIpInto } from "./source_prefix.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "isize",
  },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;
const SO_RCVTIMEO = 20;
const MSG_DONTWAIT = 0x40;
const SOCKADDR_BYTES = 28; // sockaddr_in6, the larger of the two

/** How long one `receive` blocks before returning -1, so the caller can check for a stop. */
export const RECEIVE_TIMEOUT_MS = 200;

/**
 * A bound UDP socket with SO_REUSEPORT.
 *
 * @example Usage
 * ```ts ignore
 * const socket = ReusePortUdpSocket.bind("127.0.0.1", 0);
 * const n = socket.receive(buffer); // blocks up to RECEIVE_TIMEOUT_MS
 * if (n >= 0) socket.reply(answer);
 * ```
 */
export class ReusePortUdpSocket {
  /** The port bound. */
  readonly port: number;
  /** The address of the last datagram received (`::ffff:a.b.c.d` for IPv4 on a dual-stack socket). */
  remote: { transport: "udp"; hostname: string; port: number } = {
    transport: "udp",
    hostname: "",
    port: 0,
  };
  readonly #libc: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #fd: number;
  readonly #address = new Uint8Array(SOCKADDR_BYTES);
  readonly #addressLength = new Uint32Array(1);
  /** The same four bytes as {@linkcode ReusePortUdpSocket.#addressLength}, as FFI takes them. */
  readonly #addressLengthBytes = new Uint8Array(this.#addressLength.buffer);
  readonly #addressView = new DataView(this.#address.buffer);
  /** `BigInt(length)` of the last few buffer sizes, so no BigInt is made per datagram. */
  readonly #sizes = new Map<number, bigint>();
  #closed = false;

  private constructor(libc: Deno.DynamicLibrary<typeof SYMBOLS>, fd: number, port: number) {
    this.#libc = libc;
    this.#fd = fd;
    this.port = port;
  }

  /**
   * Opens and binds a socket.
   *
   * @param hostname A numeric IPv4 or IPv6 address, `""` for every interface, or `localhost`.
   * @param port The port; 0 lets the kernel choose.
   * @returns The socket.
   * @throws {Error} When libc cannot be loaded, the address is not numeric, or the bind fails.
   */
  static bind(hostname: string, port: number): ReusePortUdpSocket {
    const libc = openLibc(SYMBOLS, "--ntp-workers");
    if ("error" in libc) throw new Error(libc.error);
    const s = libc.symbols;
    const words = new Int32Array(4);
    const host = hostname === "" ? "::" : hostname === "localhost" ? "127.0.0.1" : hostname;
    const version = parseIpInto(host, words, false);
    if (version === 0) {
      libc.close();
      throw new Error(`needs a numeric address, got "${hostname}"`);
    }
    const address = new Uint8Array(SOCKADDR_BYTES);
    const view = new DataView(address.buffer);
    let length: number;
    if (version === 4) {
      view.setUint16(0, AF_INET, true);
      view.setUint16(2, port);
      view.setUint32(4, words[0] >>> 0);
      length = 16;
    } else {
      view.setUint16(0, AF_INET6, true);
      view.setUint16(2, port);
      for (let i = 0; i < 4; i++) view.setUint32(8 + i * 4, words[i] >>> 0);
      length = 28;
    }
    const fd = s.socket(version === 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      libc.close();
      throw new Error("cannot create a UDP socket");
    }
    const fail = (what: string): never => {
      s.close(fd);
      libc.close();
      throw new Error(what);
    };
    const one = new Uint8Array(new Int32Array([1]).buffer);
    if (s.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4) !== 0) fail("cannot set SO_REUSEPORT");
    const timeout = new Uint8Array(
      new BigInt64Array([0n, BigInt(RECEIVE_TIMEOUT_MS * 1000)]).buffer,
    );
    if (s.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16) !== 0) {
      fail("cannot set SO_RCVTIMEO");
    }
    if (s.bind(fd, address, length) !== 0) {
      fail(`cannot bind udp port ${port} (in use, or below 1024 without CAP_NET_BIND_SERVICE)`);
    }
    const bound = new Uint8Array(SOCKADDR_BYTES);
    const boundLength = new Uint32Array([SOCKADDR_BYTES]);
    if (s.getsockname(fd, bound, new Uint8Array(boundLength.buffer)) !== 0) {
      fail("getsockname failed");
    }
    return new ReusePortUdpSocket(libc, fd, new DataView(bound.buffer).getUint16(2));
  }

  /**
   * Receives one datagram into `buffer`, blocking up to {@linkcode RECEIVE_TIMEOUT_MS};
   * its sender is then in {@linkcode ReusePortUdpSocket.remote}.
   *
   * @param buffer Where the payload goes (longer datagrams are cut).
   * @returns The payload's length, or -1 on timeout or error.
   */
  receive(buffer: Uint8Array): number {
    this.#addressLength[0] = SOCKADDR_BYTES;
    const count = Number(
      this.#libc.symbols.recvfrom(
        this.#fd,
        buffer,
        this.#size(buffer.length),
        0,
        this.#address,
        this.#addressLengthBytes,
      ),
    );
    if (count < 0) return -1;
    const view = this.#addressView;
    const family = view.getUint16(0, true);
    this.remote.port = view.getUint16(2);
    this.remote.hostname = family === AF_INET ? formatIpv4(view.getUint32(4)) : formatIpv6([
      view.getUint32(8),
      view.getUint32(12),
      view.getUint32(16),
      view.getUint32(20),
    ]);
    return count;
  }

  /**
   * Sends `payload` to the sender of the last datagram received, without blocking.
   *
   * @param payload The answer.
   * @returns Whether the kernel took it.
   */
  reply(payload: Uint8Array): boolean {
    return Number(
      this.#libc.symbols.sendto(
        this.#fd,
        payload,
        this.#size(payload.length),
        MSG_DONTWAIT,
        this.#address,
        this.#addressLength[0],
      ),
    ) === payload.length;
  }

  #size(length: number): bigint {
    let size = this.#sizes.get(length);
    if (size === undefined) {
      if (this.#sizes.size > 16) this.#sizes.clear();
      size = BigInt(length);
      this.#sizes.set(length, size);
    }
    return size;
  }

  /** Closes the socket and unloads libc. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#libc.symbols.close(this.#fd);
    this.#libc.close();
  }
}
