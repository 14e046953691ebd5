import { DatabaseError } from "../store/db.ts";

/** An error the CLI reports as one clear message (and a hint), with its exit code. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

export const EXIT_USAGE = 2;

function isDiskFull(error: unknown): boolean {
  for (
    let e = error as { code?: string; message?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (
      e.code === "ENOSPC" ||
      e.code === "53100" ||
      /no space left on device|could not extend file/i.test(e.message ?? "")
    ) {
      return true;
    }
  }
  return false;
}

/** Turns any failure into the message a person can act on. */
export function describeFailure(error: unknown): { message: string; hint?: string; exitCode: number } {
  if (isDiskFull(error)) {
    return {
      message: "The disk is full: OnePlace could not write its data.",
      hint: "Free some space, or set ONEPLACE_HOME (embedded) or DATABASE_URL to somewhere with room, then run the command again. Nothing was half-loaded.",
      exitCode: 1,
    };
  }
  if (error instanceof CliError)
    return { message: error.message, hint: error.hint, exitCode: error.exitCode };
  if (error instanceof DatabaseError) return { message: error.message, hint: error.hint, exitCode: 1 };
  if (error instanceof RangeError || error instanceof TypeError) {
    return { message: error.message, exitCode: 1 };
  }
  const e = error as { message?: string };
  return { message: e?.message ?? String(error), exitCode: 1 };
}
