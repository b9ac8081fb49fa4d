/**
 * Private to the kernel engine's TCP: what a read or write waiting for its
 * socket's next event holds, and the error of a closed socket.
 *
 * @module
 */

/** The error of a read, write or accept on a closed socket. */
export const closedError = (): Error => new Deno.errors.BadResource("the connection is closed");

/**
 * A read or write waiting for its socket's next event: the buffer it works
 * on and the promise it settles.
 */
export class Waiting<T> {
  constructor(
    readonly bytes: Uint8Array,
    readonly resolve: (value: T) => void,
    readonly reject: (error: Error) => void,
  ) {}

  /** Settles the promise with a result or an error. */
  settle(result: T | Error): void {
    if (result instanceof Error) this.reject(result);
    else this.resolve(result);
  }
}
