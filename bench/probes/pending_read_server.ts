/**
 * A probe, not a server: the least a Deno TCP server can hold per session.
 * Each connection gets a 256-byte buffer and one pending `conn.read()`, and
 * every LF it reads is answered with the Unix seconds, nothing else. Run it
 * under `../shared/bench/compare.sh` (see `bench/compare.md`) to measure
 * the resident memory an idle session costs with Deno's own TCP API, the
 * floor under clockd's figure.
 *
 *     deno run --v8-flags=--max-semi-space-size=1 --allow-net bench/probes/pending_read_server.ts 0
 *
 * Prints `listening on PORT` once bound (port 0 lets the kernel choose).
 *
 * @module
 */

const encoder = new TextEncoder();

async function serveConnection(conn: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(256);
  try {
    conn.setNoDelay(true);
    while (true) {
      const count = await conn.read(buffer);
      if (count === null) break;
      let lines = 0;
      for (let i = 0; i < count; i++) if (buffer[i] === 10) lines++;
      if (lines === 0) continue;
      const answer = `${Math.floor(Date.now() / 1000)}\n`.repeat(lines);
      await conn.write(encoder.encode(answer));
    }
  } catch {
    // the peer left
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

if (import.meta.main) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(Deno.args[0] ?? 0) });
  console.log(`listening on ${listener.addr.port}`);
  for await (const conn of listener) serveConnection(conn);
}
