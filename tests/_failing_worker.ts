/**
 * A stand-in serving worker for the pool's tests: it says it is ready, then
 * fails with an uncaught error, as a worker whose loop broke would.
 */

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<{ type: string }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = ({ data }) => {
  if (data.type !== "start") return;
  scope.postMessage({ type: "ready" });
  setTimeout(() => {
    throw new TypeError("the loop broke");
  }, 50);
};
