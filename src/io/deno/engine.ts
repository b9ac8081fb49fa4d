/**
 * The `deno` I/O engine: Deno's own sockets, portable to every OS Deno runs
 * on. TCP listeners set SO_REUSEPORT (the isolates of one process share a
 * port); UDP sockets cannot (`Deno.listenDatagram` has no `reusePort` in
 * 2.9.6), so one isolate serves a port's UDP, one datagram per receive,
 * stamped with the clock as it is taken from the socket.
 *
 * @module
 */

import type { Clock } from "../../time/clock.ts";
import type { DatagramBatch, DatagramEndpoint, DatagramSink } from "../datagram.ts";
import { MAX_DATAGRAM_BYTES } from "../datagram.ts";
import type { IoEngine } from "../engine.ts";
import type { StreamListener } from "../stream.ts";
import { DenoListener } from "./stream.ts";
import type { Instant } from "../../time/instant.ts";

/**
 * The `deno` engine.
 *
 * @example Usage
 * ```ts
 * import { DenoEngine } from "./engine.ts";
 * import { systemClock } from "../../time/clock.ts";
 * const engine = new DenoEngine(systemClock);
 * const listener = engine.listenStream("127.0.0.1", 0);
 * listener.close();
 * await engine.close();
 * ```
 */
export class DenoEngine implements IoEngine {
  /** Always `deno`. */
  readonly name = "deno" as const;
  /** Deno's UDP sockets cannot share a port. */
  readonly sharesDatagramPorts = false;
  readonly #clock: Clock;

  /** @param clock Stamps each datagram as it is received. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Binds a TCP listener with SO_REUSEPORT. */
  listenStream(hostname: string, port: number): StreamListener {
    return new DenoListener(
      Deno.listen({ hostname, port, transport: "tcp", reusePort: true }),
    );
  }

  /** Binds a UDP socket. */
  listenDatagram(hostname: string, port: number): DatagramEndpoint {
    return new DenoDatagramEndpoint(
      Deno.listenDatagram({ hostname, port, transport: "udp" }),
      this.#clock,
    );
  }

  /** Nothing to free. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A `Deno.DatagramConn` served one datagram at a time. */
class DenoDatagramEndpoint implements DatagramEndpoint, DatagramBatch {
  readonly addr: Deno.NetAddr;
  readonly count = 1;
  readonly #socket: Deno.DatagramConn;
  readonly #clock: Clock;
  readonly #buffer = new Uint8Array(MAX_DATAGRAM_BYTES);
  #payload: Uint8Array = this.#buffer;
  #peer: Deno.NetAddr = { transport: "udp", hostname: "", port: 0 };
  #receivedAt: Instant = { seconds: 0, nanos: 0 };
  #answer: Uint8Array | null = null;
  #closed = false;

  constructor(socket: Deno.DatagramConn, clock: Clock) {
    this.#socket = socket;
    this.#clock = clock;
    this.addr = socket.addr as Deno.NetAddr;
  }

  payload(): Uint8Array {
    return this.#payload;
  }

  peer(): Deno.NetAddr {
    return this.#peer;
  }

  receivedAt(): Instant {
    return this.#receivedAt;
  }

  reply(_i: number, answer: Uint8Array): boolean {
    this.#answer = answer.slice();
    return true;
  }

  async serve(sink: DatagramSink): Promise<void> {
    while (!this.#closed) {
      try {
        const [payload, peer] = await this.#socket.receive(this.#buffer);
        this.#receivedAt = this.#clock.now();
        this.#payload = payload;
        this.#peer = peer as Deno.NetAddr;
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        continue; // e.g. ECONNREFUSED reported for an earlier send
      }
      this.#answer = null;
      sink.onBatch(this);
      const answer = this.#answer as Uint8Array | null;
      if (answer === null) continue;
      sink.stamp?.(answer, this.#clock.now());
      try {
        await this.#socket.send(answer, this.#peer);
        sink.onSent(1, 0);
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        sink.onSent(0, 1);
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // closed already
    }
  }
}
