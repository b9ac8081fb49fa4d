/**
 * The shell commands README.md shows: every line of a `sh`, `bash`,
 * `shell` or `console` fenced block that a reader would type (in `console`
 * blocks, the lines after `$ `; the rest there is output), exactly as
 * written, with the line it is on.
 *
 * @module
 */

/** One command of README. */
export interface ReadmeCommand {
  /** The command as written (a trailing `# comment` included: bash ignores it). */
  readonly command: string;
  /** Its line in README.md, counting from 1. */
  readonly line: number;
}

const SHELL_BLOCKS = new Set(["sh", "bash", "shell", "console"]);

/**
 * Extracts the commands of README's shell blocks.
 *
 * @param markdown README.md's text.
 * @returns Every command, in order.
 *
 * @example Usage
 * ```ts
 * import { readmeCommands } from "./_readme_commands.ts";
 * const fence = "`".repeat(3);
 * const text = `${fence}console\n$ nc localhost 1200\nBYE\n${fence}\n${fence}sh\ncurl x  # c\n${fence}\n`;
 * const commands = readmeCommands(text).map((c) => c.command);
 * if (commands.join("|") !== "nc localhost 1200|curl x  # c") throw new Error(commands.join("|"));
 * ```
 */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let block: string | null = null;
  let pending: { text: string; line: number } | null = null;
  markdown.split("\n").forEach((text, index) => {
    const fence = /^```\s*(\S*)/.exec(text);
    if (fence !== null) {
      block = block === null ? fence[1] : null;
      return;
    }
    if (block === null || !SHELL_BLOCKS.has(block)) return;
    let command = text;
    if (block === "console") {
      if (!text.startsWith("$ ") && pending === null) return;
      if (pending === null) command = text.slice(2);
    }
    if (pending !== null) {
      pending.text += "\n" + command;
    } else {
      if (command.trim() === "" || command.trimStart().startsWith("#")) return;
      pending = { text: command, line: index + 1 };
    }
    if (pending.text.endsWith("\\")) return;
    commands.push({ command: pending.text.trimEnd(), line: pending.line });
    pending = null;
  });
  return commands;
}
