/**
 * The entry of an NTP fast-path worker (`--ntp-workers N`): a Web Worker
 * serving one NTP listener from a {@linkcode ReusePortUdpSocket} with a
 * blocking receive loop. It runs the same admission chain and the same
 * {@linkcode NtpService} as the default path; its rate table is its own (the
 * kernel sends a given source address and port to one worker). It yields to
 * its event loop every {@linkcode YIELD_EVERY_MS} and on every receive
 * timeout, so its clock-status refresh and metrics keep flowing.
 *
 * Messages: in `{ type: "start", args, hostname, port, stop }`; out
 * `{ type: "ready", port }` or `{ type: "error", message }`, then
 * `{ type: "metrics", snapshot }` every second, and `{ type: "stopped" }`
 * once the primary sets `stop[0]` (a SharedArrayBuffer Int32Array).
 *
 * `deno compile` must `--include` this file (the `compile` task does).
 *
 * @module
 */

import { Admission } from "../../admission/admission.ts";
import { systemClock } from "../../time/clock.ts";
import { ClockStatus } from "../../time/clock_status.ts";
import { closeLogging, setupLogging } from "../../ops/log.ts";
import { type CounterSnapshot, Metrics } from "../../ops/metrics.ts";
import { NtpService } from "../../protocols/ntp/ntp_service.ts";
import { writeTransmitTime } from "../../protocols/ntp/responder.ts";
import { ReusePortUdpSocket } from "../linux/datagram_socket.ts";
import { parseServeArgs } from "../../cli/serve_config.ts";

/** A message from the primary to an NTP worker. */
export type ToNtpWorker = {
  type: "start";
  args: string[];
  hostname: string;
  port: number;
  stop: SharedArrayBuffer;
};

/** A message from an NTP worker to the primary. */
export type FromNtpWorker =
  | { type: "ready"; port: number }
  | { type: "error"; message: string }
  | { type: "metrics"; snapshot: CounterSnapshot[] }
  | { type: "stopped" };

/** The longest the receive loop runs before yielding to the event loop (ms). */
export const YIELD_EVERY_MS = 100;

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToNtpWorker>) => void) | null;
  postMessage(message: FromNtpWorker): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

scope.onmessage = async ({ data }) => {
  let socket: ReusePortUdpSocket;
  let ntp: NtpService;
  let admission: Admission;
  const metrics = new Metrics();
  let clockStatus: ClockStatus;
  try {
    const config = parseServeArgs(data.args);
    if (config === "help") throw new Error("a worker was asked for help");
    await setupLogging(config.log);
    clockStatus = new ClockStatus({
      sync: config.ntpSync,
      stratum: config.ntpStratum,
      referenceId: config.ntpRefid,
      clock: systemClock,
    });
    ntp = new NtpService(systemClock, clockStatus);
    admission = new Admission({ ...config, metrics });
    socket = ReusePortUdpSocket.bind(data.hostname, data.port);
  } catch (error) {
    scope.postMessage({ type: "error", message: (error as Error).message });
    return;
  }
  scope.postMessage({ type: "ready", port: socket.port });
  const counters = metrics.counter("ntp", "udp");
  /** The index in the batch of the datagram being handled. */
  let current = 0;
  const handle = admission.udp(
    "ntp",
    socket.port,
    (request, _remote, c) => {
      // The transmit time is written again just before the batch is sent.
      const received = socket.receivedAt(current);
      return ntp.handleDatagram(request, c, received, received);
    },
    (request, _remote, c) => ntp.kissOfDeath(request, c),
  );
  const refresh = setInterval(() => clockStatus.refresh(), 1000);
  const report = setInterval(
    () => scope.postMessage({ type: "metrics", snapshot: metrics.snapshot() }),
    1000,
  );
  const stop = new Int32Array(data.stop);
  let yieldedAt = performance.now();
  while (Atomics.load(stop, 0) === 0) {
    const count = socket.receiveBatch();
    if (count < 0) {
      await nextTurn();
      yieldedAt = performance.now();
      continue;
    }
    counters.requests += count;
    let queued = 0;
    for (current = 0; current < count; current++) {
      const i = current;
      const answer = handle(socket.datagram(i), socket.remoteOf(i), counters);
      if (answer === null) continue;
      if (socket.queueReply(i, answer)) queued++;
      else counters.errors++;
    }
    if (queued > 0) {
      const transmit = systemClock.now();
      const sent = socket.flushReplies((answer) => writeTransmitTime(answer, transmit));
      counters.answers += sent;
      counters.errors += queued - sent;
    }
    if (performance.now() - yieldedAt >= YIELD_EVERY_MS) {
      await nextTurn();
      yieldedAt = performance.now();
    }
  }
  clearInterval(refresh);
  clearInterval(report);
  scope.postMessage({ type: "metrics", snapshot: metrics.snapshot() });
  socket.close();
  clockStatus.close();
  await closeLogging();
  scope.postMessage({ type: "stopped" });
  scope.close();
};
