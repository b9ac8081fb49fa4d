/**
 * Test helper: headless Chromium driven over the DevTools protocol (a
 * WebSocket, no npm package): launch, open a page, evaluate expressions,
 * emulate a viewport, record requests, take screenshots.
 *
 * @module
 */

import { isFile } from "./_host.ts";

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed. */
export function hasChromium(): boolean {
  return isFile(CHROMIUM);
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** One page (a DevTools target) of a {@linkcode Browser}. */
export class Page {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners: ((method: string, params: Record<string, unknown>) => void)[] = [];
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(JSON.stringify(message.error)));
        else pending?.resolve(message.result);
      } else {
        for (const listener of this.#listeners) listener(message.method, message.params);
      }
    };
  }

  /** Connects to a target's WebSocket. */
  static async connect(url: string): Promise<Page> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return new Page(socket);
  }

  /** Sends one DevTools command and waits for its result. */
  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls `listener` with every event. */
  on(listener: (method: string, params: Record<string, unknown>) => void): void {
    this.#listeners.push(listener);
  }

  /** Evaluates an expression in the page and returns its value (awaited, by value). */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send<{ result: { value: T }; exceptionDetails?: unknown }>(
      "Runtime.evaluate",
      { expression, returnByValue: true, awaitPromise: true },
    );
    if (result.exceptionDetails) throw new Error(JSON.stringify(result.exceptionDetails));
    return result.result.value;
  }

  /** Waits until an expression is truthy, polling every 100 ms. */
  async waitFor(expression: string, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (performance.now() > until) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Writes a PNG screenshot of the viewport. */
  async screenshot(path: string): Promise<void> {
    const { data } = await this.send<{ data: string }>("Page.captureScreenshot", { format: "png" });
    await Deno.writeFile(path, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  }

  close(): void {
    this.#socket.close();
  }
}

/** A headless Chromium process. */
export class Browser implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #port: number;

  private constructor(child: Deno.ChildProcess, port: number) {
    this.#child = child;
    this.#port = port;
  }

  /**
   * Starts Chromium headless, with a DevTools port chosen by the kernel.
   *
   * @param userDataDir A fresh profile directory.
   */
  static async launch(userDataDir: string): Promise<Browser> {
    const child = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${userDataDir}`,
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let match: RegExpMatchArray | null = null;
    const deadline = setTimeout(() => child.kill(), 30_000);
    while ((match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text)) === null) {
      const { value, done } = await reader.read();
      if (done) {
        clearTimeout(deadline);
        throw new Error(`chromium did not start: ${text}`);
      }
      text += value;
    }
    clearTimeout(deadline);
    // Keep draining stderr so Chromium never blocks on a full pipe.
    (async () => {
      while (!(await reader.read()).done) { /* discard */ }
    })().catch(() => {});
    return new Browser(child, Number(match[1]));
  }

  /** Opens a new page at `about:blank`. */
  async newPage(): Promise<Page> {
    const response = await fetch(`http://127.0.0.1:${this.#port}/json/new?about:blank`, {
      method: "PUT",
    });
    const target = await response.json();
    return await Page.connect(target.webSocketDebuggerUrl);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // exited already
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // exited
      }
    }, 5000);
    await this.#child.status;
    clearTimeout(timer);
  }
}
