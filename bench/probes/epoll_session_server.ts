/**
 * A probe, not a server: what an idle session and a request would cost if
 * clockd bypassed Deno's TCP API for an epoll loop of its own through libc
 * (`socket`/`accept4`/`epoll_wait`/`read`/`write`, one thread, blocking in
 * `epoll_wait`). Each connection holds only a 256-byte buffer carved from a
 * shared slab; every LF read is answered with the Unix seconds, nothing else.
 * Run it under `../shared/bench/compare.sh` (see `bench/compare.md`); its
 * figures bound what such an engine could reach on this machine.
 *
 *     deno run --allow-ffi=/lib/x86_64-linux-gnu/libc.so.6 bench/probes/epoll_session_server.ts 0
 *
 * Linux x86_64 or aarch64 only (struct epoll_event is packed to 12 bytes on
 * x86_64, 16 on aarch64). Prints `listening on PORT` once bound.
 *
 * @module
 */

import { KERNEL_LIBC_SYMBOLS } from "../../src/io/linux/kernel_libc.ts";
import { openLibc } from "../../src/io/linux/libc.ts";
import {
  AF_INET,
  EPOLL_CTL_ADD,
  EPOLL_EVENT_BYTES,
  EPOLL_EVENT_DATA,
  EPOLLIN,
  EPOLLRDHUP,
  IPPROTO_TCP,
  SO_REUSEADDR,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  TCP_NODELAY,
} from "../../src/io/linux/constants.ts";

// The engine's own libc table, plus plain read/write as measured.
const SYMBOLS = {
  ...KERNEL_LIBC_SYMBOLS,
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
} as const;

const EVENT_BYTES = EPOLL_EVENT_BYTES;
const EVENT_DATA = EPOLL_EVENT_DATA;
const MAX_EVENTS = 256;
const BUFFER_BYTES = 256;

/**
 * Serves until killed.
 *
 * @param port The port on 127.0.0.1; 0 lets the kernel choose.
 */
function serve(port: number): void {
  const libc = openLibc(SYMBOLS, "the epoll probe");
  if ("error" in libc) throw new Error(libc.error);
  const s = libc.symbols;
  const one = new Uint8Array(new Int32Array([1]).buffer);
  const listenFd = s.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  s.setsockopt(listenFd, SOL_SOCKET, SO_REUSEADDR, one, 4);
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port);
  view.setUint32(4, 0x7f000001);
  if (s.bind(listenFd, address, 16) !== 0 || s.listen(listenFd, 4096) !== 0) {
    throw new Error(`cannot listen on 127.0.0.1:${port}`);
  }
  const addressLength = new Uint32Array([16]);
  s.getsockname(listenFd, address, new Uint8Array(addressLength.buffer));
  console.log(`listening on ${view.getUint16(2)}`);

  const epollFd = s.epoll_create1(SOCK_CLOEXEC);
  const event = new Uint8Array(EVENT_BYTES);
  const eventView = new DataView(event.buffer);
  const watch = (fd: number, events: number) => {
    eventView.setUint32(0, events, true);
    eventView.setUint32(EVENT_DATA, fd, true);
    s.epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, event);
  };
  watch(listenFd, EPOLLIN);

  const events = new Uint8Array(EVENT_BYTES * MAX_EVENTS);
  const eventsView = new DataView(events.buffer);
  const buffers = new Map<number, Uint8Array>();
  const free: Uint8Array[] = [];
  const takeBuffer = (): Uint8Array => {
    const buffer = free.pop();
    if (buffer !== undefined) return buffer;
    const slab = new Uint8Array(BUFFER_BYTES * 256);
    for (let i = 1; i < 256; i++) {
      free.push(slab.subarray(i * BUFFER_BYTES, (i + 1) * BUFFER_BYTES));
    }
    return slab.subarray(0, BUFFER_BYTES);
  };
  const out = new Uint8Array(BUFFER_BYTES * 16);
  const sizes = new Map<number, bigint>();
  const size = (n: number) => {
    let big = sizes.get(n);
    if (big === undefined) sizes.set(n, big = BigInt(n));
    return big;
  };
  const peer = new Uint8Array(16);
  const peerLength = new Uint32Array(1);
  const peerLengthBytes = new Uint8Array(peerLength.buffer);
  const encoder = new TextEncoder();
  let second = -1;
  let answer = new Uint8Array(0);

  while (true) {
    const ready = s.epoll_wait(epollFd, events, MAX_EVENTS, 1000);
    for (let e = 0; e < ready; e++) {
      const fd = eventsView.getUint32(e * EVENT_BYTES + EVENT_DATA, true);
      if (fd === listenFd) {
        while (true) {
          peerLength[0] = 16;
          const conn = s.accept4(listenFd, peer, peerLengthBytes, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (conn < 0) break;
          s.setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, one, 4);
          buffers.set(conn, takeBuffer());
          watch(conn, EPOLLIN | EPOLLRDHUP);
        }
        continue;
      }
      const buffer = buffers.get(fd)!;
      const count = s.read(fd, buffer, size(BUFFER_BYTES));
      if (count <= 0) { // EOF, or an error; a probe does not retry EAGAIN
        s.close(fd); // closing also removes it from the epoll set
        buffers.delete(fd);
        free.push(buffer);
        continue;
      }
      let lines = 0;
      for (let i = 0; i < count; i++) if (buffer[i] === 10) lines++;
      const now = Math.floor(Date.now() / 1000);
      if (now !== second) {
        second = now;
        answer = encoder.encode(`${now}\n`);
      }
      let length = 0;
      for (let i = 0; i < lines && length + answer.length <= out.length; i++) {
        out.set(answer, length);
        length += answer.length;
      }
      if (length > 0) s.write(fd, out, size(length));
    }
  }
}

if (import.meta.main) serve(Number(Deno.args[0] ?? 0));
