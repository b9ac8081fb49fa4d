/**
 * The Linux socket and epoll constants clockd passes to libc through FFI
 * (from `<sys/socket.h>`, `<netinet/in.h>`, `<netinet/tcp.h>` and
 * `<sys/epoll.h>`; the same on x86_64 and aarch64), named once for every
 * module that opens a socket itself: {@linkcode https://man7.org/linux/man-pages/man7/socket.7.html socket(7)}.
 *
 * @example Usage
 * ```ts
 * import { SOCK_CLOEXEC, SOCK_DGRAM } from "./constants.ts";
 * if ((SOCK_DGRAM | SOCK_CLOEXEC) !== 0o2000002) throw new Error("flags");
 * ```
 *
 * @module
 */

/** Address family: Unix domain sockets. */
export const AF_UNIX = 1;
/** Address family: IPv4. */
export const AF_INET = 2;
/** Address family: IPv6. */
export const AF_INET6 = 10;
/** Socket type: a byte stream (TCP). */
export const SOCK_STREAM = 1;
/** Socket type: datagrams (UDP, or Unix datagrams). */
export const SOCK_DGRAM = 2;
/** `socket()`/`accept4()` flag: non-blocking. */
export const SOCK_NONBLOCK = 0o4000;
/** `socket()`/`accept4()` flag: close on exec. */
export const SOCK_CLOEXEC = 0o2000000;
/** `setsockopt()` level of the socket options below. */
export const SOL_SOCKET = 1;
/** Option: rebind a port in TIME_WAIT. */
export const SO_REUSEADDR = 2;
/** Option: several sockets share one port, the kernel spreading the traffic. */
export const SO_REUSEPORT = 15;
/** Option: a receive timeout (a `struct timeval`). */
export const SO_RCVTIMEO = 20;
/** Option and control message type: receive stamps as a `struct timespec`. */
export const SO_TIMESTAMPNS = 35;
/** `clock_gettime()` clock: the system's real-time clock, the one `SO_TIMESTAMPNS` stamps with. */
export const CLOCK_REALTIME = 0;
/** Send/receive flag: do not block. */
export const MSG_DONTWAIT = 0x40;
/** Send flag: no SIGPIPE when the peer has gone. */
export const MSG_NOSIGNAL = 0x4000;
/** `recvmmsg()` flag: block for the first message only. */
export const MSG_WAITFORONE = 0x10000;
/** `setsockopt()` level of TCP's options. */
export const IPPROTO_TCP = 6;
/** TCP option: send small writes at once (no Nagle). */
export const TCP_NODELAY = 1;

/** `epoll_ctl()` operation: add a descriptor. */
export const EPOLL_CTL_ADD = 1;
/** epoll event: readable. */
export const EPOLLIN = 0x001;
/** epoll event: writable. */
export const EPOLLOUT = 0x004;
/** epoll event: an error is pending. */
export const EPOLLERR = 0x008;
/** epoll event: hung up. */
export const EPOLLHUP = 0x010;
/** epoll event: the peer shut down its writing half. */
export const EPOLLRDHUP = 0x2000;
/** epoll flag: edge-triggered. */
export const EPOLLET = 0x80000000;
/** `sizeof(struct epoll_event)`: packed to 12 bytes on x86_64, padded to 16 elsewhere. */
export const EPOLL_EVENT_BYTES = Deno.build.arch === "x86_64" ? 12 : 16;
/** Where the event's 64-bit `data` field starts in it. */
export const EPOLL_EVENT_DATA = Deno.build.arch === "x86_64" ? 4 : 8;

// errno values (asm-generic, shared by x86_64 and aarch64).
/** Operation not permitted (a firewall rule, for a send). */
export const EPERM = 1;
/** Interrupted system call. */
export const EINTR = 4;
/** Permission denied (a port below 1024 without CAP_NET_BIND_SERVICE). */
export const EACCES = 13;
/** Resource temporarily unavailable (EWOULDBLOCK). */
export const EAGAIN = 11;
/** Too many open files in the system. */
export const ENFILE = 23;
/** Too many open files in the process (RLIMIT_NOFILE). */
export const EMFILE = 24;
/** Broken pipe. */
export const EPIPE = 32;
/** Message too long. */
export const EMSGSIZE = 90;
/** Address family not supported by protocol. */
export const EAFNOSUPPORT = 97;
/** Address already in use. */
export const EADDRINUSE = 98;
/** Cannot assign requested address. */
export const EADDRNOTAVAIL = 99;
/** Network is unreachable. */
export const ENETUNREACH = 101;
/** Software caused connection abort. */
export const ECONNABORTED = 103;
/** Connection reset by peer. */
export const ECONNRESET = 104;
/** Transport endpoint is not connected. */
export const ENOTCONN = 107;
/** Connection refused. */
export const ECONNREFUSED = 111;
/** No route to host. */
export const EHOSTUNREACH = 113;
