/**
 * Open and maximum file descriptors through libc: Deno 2.9 wants
 * `--allow-all` for `/proc/self`, so the directory `/proc/self/fd` is read
 * with `getdents64` and the limit with `getrlimit`.
 *
 * @module
 */

import { openLibc } from "../io/linux/libc.ts";

const FD_SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize", optional: true },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;

const O_RDONLY = 0;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;
const RLIMIT_NOFILE = 7;
const DIRENT_RECLEN = 16;
const DIRENT_NAME = 19;
const DOT = 46;

/** Reads the descriptor figures; each returns null when the call fails. */
export interface ProcessFds {
  /** Open file descriptors now. */
  open(): number | null;
  /** The soft `RLIMIT_NOFILE`, `Infinity` when unlimited. */
  max(): number | null;
}

let fdReader: ProcessFds | null | undefined;

/**
 * Opens libc once for the descriptor figures.
 *
 * @returns The reader, or null when FFI is not granted.
 *
 * @example Usage
 * ```ts
 * import { processFds } from "./_process_fds.ts";
 * const fds = processFds();
 * const open = fds?.open() ?? null;
 * if (open !== null && !Number.isInteger(open)) throw new Error("a count");
 * ```
 */
export function processFds(): ProcessFds | null {
  if (fdReader !== undefined) return fdReader;
  fdReader = null;
  const libc = openLibc(FD_SYMBOLS, "Descriptor counts");
  if (!("error" in libc)) fdReader = fdReaderOn(libc);
  return fdReader;
}

function fdReaderOn(libc: Deno.DynamicLibrary<typeof FD_SYMBOLS>): ProcessFds {
  const dirPath = new TextEncoder().encode("/proc/self/fd\0");
  const buffer = new Uint8Array(32768);
  const view = new DataView(buffer.buffer);
  const limit = new BigUint64Array(2);
  return {
    open(): number | null {
      const getdents64 = libc.symbols.getdents64;
      if (getdents64 === null) return null;
      const fd = libc.symbols.open(dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return null;
      let count = 0;
      try {
        while (true) {
          const length = Number(getdents64(fd, buffer, BigInt(buffer.length)));
          if (length < 0) return null;
          if (length === 0) break;
          for (let offset = 0; offset < length;) {
            const isDot = buffer[offset + DIRENT_NAME] === DOT &&
              (buffer[offset + DIRENT_NAME + 1] === 0 ||
                (buffer[offset + DIRENT_NAME + 1] === DOT &&
                  buffer[offset + DIRENT_NAME + 2] === 0));
            if (!isDot) count++;
            offset += view.getUint16(offset + DIRENT_RECLEN, true);
          }
        }
      } finally {
        libc.symbols.close(fd);
      }
      return count - 1; // the directory's own descriptor
    },
    max(): number | null {
      if (libc.symbols.getrlimit(RLIMIT_NOFILE, limit) !== 0) return null;
      const soft = limit[0];
      return soft >= BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(soft);
    },
  };
}
