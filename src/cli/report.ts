// The commonest command shape, declared once: do or load one thing, then print the result as JSON under
// --json (when the command has that option), else as text. The database defaults to "migrated".
// See src/cli/README.md ("A command that reports").
import {
  type Command,
  type CommandSpec,
  type DbNeed,
  defineCommand,
  type Input,
  type Params,
} from "./command.ts";
import { out, outJson } from "./context.ts";

type Shown = string | readonly string[];

export interface ReportSpec<O extends Params, A extends Params, N extends DbNeed | "depends", T>
  extends Omit<CommandSpec<O, A, N>, "run" | "db"> {
  /** Default "migrated". */
  db?: N;
  /** Fetches (or computes) the result. */
  load(input: Input<O, A, N>): Promise<T>;
  /** The text without --json: one string, or lines. May fetch what only the text needs (area names). */
  show(result: T, input: Input<O, A, N>): Shown | Promise<Shown>;
  /** Printed instead of show's text when the result is an empty list. */
  empty?: string;
  /** What --json prints (default: the result itself). */
  json?: (result: T) => unknown;
  /** The exit code (default 0). */
  exitCode?: (result: T) => number;
}

export function defineReport<
  const O extends Params,
  const A extends Params = Record<never, never>,
  const N extends DbNeed | "depends" = "migrated",
  T = unknown,
>(spec: ReportSpec<O, A, N, T>): Command {
  const { load, show, empty, json, exitCode, ...command } = spec;
  return defineCommand<O, A, N>({
    ...command,
    db: command.db ?? ("migrated" as N),
    async run(input) {
      const result = await load(input);
      if ((input.options as { json?: boolean }).json === true) outJson(json ? json(result) : result);
      else if (empty !== undefined && Array.isArray(result) && result.length === 0) out(empty);
      else {
        const text = await show(result, input);
        for (const line of typeof text === "string" ? [text] : text) out(line);
      }
      return exitCode?.(result) ?? 0;
    },
  });
}
