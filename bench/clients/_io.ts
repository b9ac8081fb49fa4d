/**
 * Small helpers the client loops share (private to `bench/clients/`).
 *
 * @module
 */

/** A client of one workload: set up before `go`, then run until the window ends. */
export interface Client {
  /** Opens what the client keeps open; false when it could not (counted as an error). */
  setup(): Promise<boolean>;
  /** Asks in a closed loop until the tally's window ends. */
  run(): Promise<void>;
}

/** An error as one line. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Closes a socket, ignoring that it may be closed already. */
export function closeQuietly(resource: { close(): void } | null): void {
  try {
    resource?.close();
  } catch { /* closed already */ }
}

/** Writes every byte. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a byte is an ASCII digit. */
export function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** The text encoder the clients share. */
export const encoder: TextEncoder = new TextEncoder();
