/**
 * The NTP server (SNTP, RFC 4330 §6 / RFC 5905) on UDP: a chain of early
 * returns as in chrony's server mode. The receive timestamp is taken first
 * thing, the transmit timestamp just before the answer leaves; invalid
 * requests are dropped, never answered.
 *
 * @module
 */

import type { Clock } from "../../time/clock.ts";
import type { Instant } from "../../time/instant.ts";
import {
  NtpResponder,
  type NtpServerState,
  validateNtpRequest,
  writeKissOfDeath,
} from "./responder.ts";
import { NTP_PACKET_SIZE } from "./constants.ts";
import type { ServiceCounters } from "../../ops/metrics.ts";

/**
 * Answers NTP client requests.
 *
 * @example Usage
 * ```ts ignore
 * const ntp = new NtpService(systemClock, status);
 * new UdpServer(socket, "ntp", (request) => ntp.handleDatagram(request));
 * ```
 */
export class NtpService {
  readonly #clock: Clock;
  readonly #status: { readonly ntpState: NtpServerState };
  readonly #responder: NtpResponder;
  readonly #out = new Uint8Array(NTP_PACKET_SIZE);

  /**
   * @param clock Stamps receive and transmit times.
   * @param status What the answers claim about the clock: a `ClockStatus`,
   *   or a `SmearedClockStatus` (with a smeared clock) for a smear listener.
   */
  constructor(clock: Clock, status: { readonly ntpState: NtpServerState }) {
    this.#clock = clock;
    this.#status = status;
    this.#responder = new NtpResponder(status.ntpState);
  }

  /**
   * Answers one datagram.
   *
   * @param request The datagram.
   * @param counters Counts an invalid request as `malformed`.
   * @param received When it arrived, if the socket knows (a kernel stamp);
   *   otherwise the clock is read first thing.
   * @param transmit A provisional transmit time, for a caller that rewrites
   *   it just before the send (`writeTransmitTime`); otherwise the clock is
   *   read last thing.
   * @returns The 48-byte answer (a reused buffer), or null to drop.
   */
  handleDatagram(
    request: Uint8Array,
    counters: ServiceCounters,
    received: Instant | null = null,
    transmit: Instant | null = null,
  ): Uint8Array | null {
    received ??= this.#clock.now();
    if (validateNtpRequest(request) !== null) {
      counters.drops.malformed++;
      return null;
    }
    const state = this.#status.ntpState;
    if (this.#responder.state !== state) this.#responder.update(state);
    this.#responder.write(request, received, transmit ?? this.#clock.now(), this.#out);
    return this.#out;
  }

  /**
   * Answers a rate-limited client with a RATE kiss-o'-death (stratum 0,
   * reference ID "RATE", LI 3), telling it to poll less often. Invalid
   * requests are still dropped, never answered.
   *
   * @param request The datagram.
   * @param counters Counts an invalid request as `malformed`.
   * @returns The 48-byte kiss, or null to drop.
   */
  kissOfDeath(request: Uint8Array, counters: ServiceCounters): Uint8Array | null {
    if (validateNtpRequest(request) !== null) {
      counters.drops.malformed++;
      return null;
    }
    writeKissOfDeath(request, "RATE", this.#clock.now(), this.#out);
    return this.#out;
  }
}
