// The commonest command shape, declared once: load a result, print it as JSON under --json, else as text.
// See src/cli/README.md ("A command that reports").
import {
  type Command,
  type CommandSpec,
  type DbNeed,
  defineCommand,
  type Input,
  type Param,
  type Params,
} from "./command.ts";
import { out, outJson } from "./context.ts";

type Shown = string | readonly string[];

export interface ReportSpec<O extends Params, A extends Params, N extends DbNeed | "depends", T>
  extends Omit<CommandSpec<O, A, N>, "run"> {
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
  const O extends Params & { json: Param<boolean> },
  const A extends Params = Record<never, never>,
  const N extends DbNeed | "depends" = DbNeed,
  T = unknown,
>(spec: ReportSpec<O, A, N, T>): Command {
  const { load, show, empty, json, exitCode, ...command } = spec;
  return defineCommand<O, A, N>({
    ...command,
    async run(input) {
      const result = await load(input);
      if ((input.options as { json: boolean }).json) outJson(json ? json(result) : result);
      else if (empty !== undefined && Array.isArray(result) && result.length === 0) out(empty);
      else {
        const text = await show(result, input);
        for (const line of typeof text === "string" ? [text] : text) out(line);
      }
      return exitCode?.(result) ?? 0;
    },
  });
}
