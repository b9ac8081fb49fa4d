/**
 * A kernel clock for tests: one `KernelClockStatus` the test sets (and may
 * change between reads), counting its reads.
 *
 * @module
 */

import type { Instant } from "../src/time/instant.ts";
import type { KernelClock, KernelClockStatus } from "../src/time/kernel_clock.ts";

/** 2026-01-01T00:00:00Z, the reading's time unless a test gives one. */
const DEFAULT_TIME: Instant = { seconds: 1_767_225_600, nanos: 0 };

/**
 * A kernel reading: synchronised, no leap pending, 2.5 ms maximum error,
 * unless changed.
 *
 * @param change The fields that differ.
 * @returns The reading.
 */
export function kernelStatus(change: Partial<KernelClockStatus> = {}): KernelClockStatus {
  return {
    synchronised: true,
    state: 0,
    status: 0x0001,
    maxErrorMicros: 2_500,
    estErrorMicros: 10,
    leap: 0,
    time: DEFAULT_TIME,
    tai: 37,
    ...change,
  };
}

/** A fake kernel whose reading the test sets, and changes between refreshes. */
export class FakeKernel implements KernelClock {
  /** What `read()` returns. */
  status: KernelClockStatus;
  /** How many times it was read. */
  reads = 0;
  /** Whether `close()` was called. */
  closed = false;

  /** @param change The reading's fields that differ from {@linkcode kernelStatus}'s. */
  constructor(change: Partial<KernelClockStatus> = {}) {
    this.status = kernelStatus(change);
  }

  /** The reading. */
  read(): KernelClockStatus {
    this.reads++;
    return this.status;
  }

  /** Records the close. */
  close(): void {
    this.closed = true;
  }
}
