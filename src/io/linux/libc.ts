/**
 * Opening glibc through Deno's FFI, the one way clockd reaches the few
 * system calls Deno has no API for (the kernel clock status, sd_notify
 * datagrams, descriptor counts). Never throws and never prompts: the FFI
 * permission is queried first, and every failure comes back as a sentence.
 *
 * A scoped `--allow-ffi` must name libc by the exact absolute path passed to
 * `Deno.dlopen`: a symlinked alias of the same file is refused, and a bare
 * `libc.so.6` is resolved against the working directory.
 *
 * @module
 */

/**
 * Where glibc lives, by architecture: Debian/Ubuntu multiarch paths first,
 * then Fedora/RHEL's `/lib64`, then the bare soname (found by the dynamic
 * loader, usable only with an unscoped `--allow-ffi`).
 */
export const LIBC_CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  x86_64: [
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/libc.so.6",
    "/usr/lib64/libc.so.6",
    "libc.so.6",
  ],
  aarch64: [
    "/lib/aarch64-linux-gnu/libc.so.6",
    "/usr/lib/aarch64-linux-gnu/libc.so.6",
    "/lib64/libc.so.6",
    "/usr/lib64/libc.so.6",
    "libc.so.6",
  ],
};

/**
 * Loads libc with the given symbols from the first candidate path FFI is
 * granted for.
 *
 * @param symbols The functions to bind.
 * @param purpose What needs libc, starting the error sentences (e.g. `"sd_notify"`).
 * @param libraryPath One path to try instead of {@linkcode LIBC_CANDIDATES}.
 * @returns The library, or `{ error }` saying why not.
 *
 * @example Usage
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * const libc = openLibc({ getpid: { parameters: [], result: "i32" } }, "example");
 * if (!("error" in libc)) console.log(libc.symbols.getpid());
 * ```
 */
export function openLibc<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
  purpose: string,
  libraryPath?: string,
): Deno.DynamicLibrary<S> | { error: string } {
  if (Deno.build.os !== "linux") {
    return { error: `${purpose} needs Linux, this is "${Deno.build.os}"` };
  }
  const candidates = libraryPath !== undefined ? [libraryPath] : LIBC_CANDIDATES[Deno.build.arch];
  if (candidates === undefined) {
    return { error: `${purpose} supports x86_64 and aarch64, this is "${Deno.build.arch}"` };
  }
  const granted = candidates.filter((path) => queryFfi(path) === "granted");
  if (granted.length === 0) {
    return {
      error: `FFI access to libc is not permitted: run with --allow-ffi=${candidates[0]} ` +
        `(or this system's libc path)`,
    };
  }
  const failures: string[] = [];
  for (const path of granted) {
    try {
      return Deno.dlopen(path, symbols);
    } catch (error) {
      failures.push(`"${path}": ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const scopedBareName = granted.some((path) => !path.startsWith("/")) && queryFfi() !== "granted";
  const hint = scopedBareName
    ? " (a scoped --allow-ffi needs libc's absolute path: Deno resolves a bare name against the working directory)"
    : "";
  return { error: `Cannot load libc: ${failures.join("; ")}${hint}` };
}

function queryFfi(path?: string): Deno.PermissionState | "error" {
  try {
    return Deno.permissions.querySync(path === undefined ? { name: "ffi" } : { name: "ffi", path })
      .state;
  } catch {
    return "error";
  }
}

/**
 * The two libc functions that read `errno` without an unscoped FFI grant:
 * `__errno_location` gives the calling thread's `errno` as a pointer, and
 * `memcpy` copies it into a buffer (`Deno.UnsafePointerView` would need
 * `--allow-ffi` for everything). Spread into a symbol table passed to
 * {@linkcode openLibc}, then read with {@linkcode readErrno}.
 */
export const ERRNO_SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "pointer" },
} as const;

const errnoBuffer = new Int32Array(1);

/**
 * The calling thread's `errno`: read it right after the call that failed.
 *
 * @param symbols A library opened with {@linkcode ERRNO_SYMBOLS} among its symbols.
 * @returns The error number, or 0 if it cannot be read.
 *
 * @example Usage
 * ```ts ignore
 * import { ERRNO_SYMBOLS, openLibc, readErrno } from "./libc.ts";
 * const libc = openLibc({ ...ERRNO_SYMBOLS, close: { parameters: ["i32"], result: "i32" } }, "example");
 * if (!("error" in libc) && libc.symbols.close(-1) < 0) console.log(readErrno(libc.symbols)); // 9, EBADF
 * ```
 */
export function readErrno(
  symbols: Deno.StaticForeignLibraryInterface<typeof ERRNO_SYMBOLS>,
): number {
  try {
    const pointer = symbols.__errno_location();
    if (pointer === null) return 0;
    symbols.memcpy(errnoBuffer, pointer, 4n);
    return errnoBuffer[0];
  } catch {
    return 0;
  }
}
