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
import { writeKissOfDeath } from "./kiss_of_death.ts";
import { NtpResponder } from "./responder.ts";
import type { NtpServerState } from "./server_state.ts";
import { validateNtpRequest } from "./validate_request.ts";
import { NTP_PACKET_SIZE } from "./constants.ts";
import type { ServiceCounters } from "../../ops/counters.ts";

/**
 * Answers NTP client requests.
 *
 * @example Usage
 * ```ts
 * import { NtpService } from "./ntp_service.ts";
 * import { ClockStatus } from "../../time/clock_status.ts";
 * import { systemClock } from "../../time/clock.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * const status = new ClockStatus({ sync: "always", stratum: 10, referenceId: "LOCL", clock: systemClock });
 * const ntp = new NtpService(systemClock, status);
 * const request = new Uint8Array(48);
 * request[0] = 0x23; // LI 0, version 4, mode 3 (client)
 * const answer = ntp.handleDatagram(request, new Metrics().counter("ntp", "udp"), systemClock.now());
 * if (answer === null || (answer[0] & 7) !== 4) throw new Error("a server answer");
 * status.close();
 * ```
 */
export class NtpService {
  readonly #clock: Clock;
  readonly #status: { readonly ntpState: NtpServerState };
  readonly #responder: NtpResponder;
  readonly #out = new Uint8Array(NTP_PACKET_SIZE);

  /**
   * @param clock Stamps kiss-o'-death answers (the engine stamps receive
   *   and transmit times).
   * @param status What the answers claim about the clock: a `ClockStatus`,
   *   or a `SmearedClockStatus` for a smear listener, whose engine must then
   *   stamp from the smeared clock too.
   */
  constructor(clock: Clock, status: { readonly ntpState: NtpServerState }) {
    this.#clock = clock;
    this.#status = status;
    this.#responder = new NtpResponder(status.ntpState);
  }

  /**
   * Answers one datagram: a pure function of the request, its receive time
   * and the clock state. The transmit time is written as the receive time;
   * the engine rewrites it with `writeTransmitTime` just before
   * the answer leaves (one clock read per batch).
   *
   * @param request The datagram.
   * @param counters Counts an invalid request as `malformed`.
   * @param receivedAt When it arrived (the kernel's stamp where the engine has one).
   * @returns The 48-byte answer (a reused buffer), or null to drop.
   */
  handleDatagram(
    request: Uint8Array,
    counters: ServiceCounters,
    receivedAt: Instant,
  ): Uint8Array | null {
    if (validateNtpRequest(request) !== null) {
      counters.drops.malformed++;
      return null;
    }
    const state = this.#status.ntpState;
    if (this.#responder.state !== state) this.#responder.update(state);
    this.#responder.write(request, receivedAt, receivedAt, this.#out);
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
