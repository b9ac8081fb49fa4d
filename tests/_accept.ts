/**
 * Test helper: the next connection of a {@linkcode StreamListener}, as a
 * promise, through its readiness form (`tryAccept`, then `whenAcceptable`).
 *
 * @module
 */

import type { StreamConn, StreamListener } from "../src/io/stream.ts";

/**
 * Waits for the listener's next connection.
 *
 * @param listener The listener (nothing else may be waiting on it).
 * @returns The connection; rejects with the accept's error, `BadResource` once closed.
 *
 * @example Usage
 * ```ts
 * import { acceptOne } from "./_accept.ts";
 * import { DenoListener } from "../src/io/deno/stream.ts";
 * const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
 * const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const conn = await acceptOne(listener);
 * conn.close();
 * client.close();
 * listener.close();
 * ```
 */
export function acceptOne<C extends StreamConn>(
  listener: Pick<StreamListener, "whenAcceptable"> & { tryAccept(): C | null },
): Promise<C> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      try {
        const conn = listener.tryAccept();
        if (conn !== null) resolve(conn);
        else listener.whenAcceptable({ onAcceptable: attempt });
      } catch (error) {
        reject(error);
      }
    };
    attempt();
  });
}
