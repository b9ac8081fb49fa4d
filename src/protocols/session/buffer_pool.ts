/**
 * Fixed-size byte buffers for the session framers: one scratch buffer that
 * every framer reads into while it holds nothing, and buffers lent to the
 * framers that hold part of a request, carved from shared slabs (each
 * ArrayBuffer of its own would cost a backing store and its bookkeeping
 * besides its bytes). Buffers come back when their request completes; slabs
 * are kept.
 *
 * @module
 */

/** Buffers carved from one slab. */
const BUFFERS_PER_SLAB = 256;

/**
 * A pool of equal buffers and one scratch buffer.
 *
 * @example Usage
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * const pool = new BufferPool(256);
 * const buffer = pool.take();
 * const lent = pool.lent;
 * if (buffer.length !== 256 || lent !== 1) throw new Error("lent");
 * pool.give(buffer);
 * if (pool.lent !== lent - 1) throw new Error("returned");
 * ```
 */
export class BufferPool {
  /** The size of every buffer. */
  readonly size: number;
  /**
   * A buffer for synchronous use only: read into, framed and done with
   * before anything else runs.
   */
  readonly scratch: Uint8Array;
  readonly #free: Uint8Array[] = [];
  #lent = 0;

  /** @param size The size of every buffer, in bytes. */
  constructor(size: number) {
    this.size = size;
    this.scratch = new Uint8Array(size);
  }

  /** How many buffers are lent out. */
  get lent(): number {
    return this.#lent;
  }

  /** @returns A buffer, its bytes undefined, lent until {@linkcode BufferPool.give}. */
  take(): Uint8Array {
    this.#lent++;
    const free = this.#free.pop();
    if (free !== undefined) return free;
    const size = this.size;
    const slab = new Uint8Array(size * BUFFERS_PER_SLAB);
    for (let i = BUFFERS_PER_SLAB - 1; i > 0; i--) {
      this.#free.push(slab.subarray(i * size, (i + 1) * size));
    }
    return slab.subarray(0, size);
  }

  /** Takes back a buffer from {@linkcode BufferPool.take}. */
  give(buffer: Uint8Array): void {
    this.#lent--;
    this.#free.push(buffer);
  }
}
