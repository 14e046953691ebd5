// Every failure a command can end in, mapped once to what a person reads and the exit code a script sees.
import {
  EXIT_CODE_OF_KIND,
  EXIT_INTERNAL,
  EXIT_USAGE,
  OnePlaceError,
  type OnePlaceErrorOptions,
} from "../core/index.ts";
import { DatabaseError } from "../platform/index.ts";

export { EXIT_INTERNAL, EXIT_USAGE };

/** The command line itself is wrong (a missing argument, a bad value): exit 2, with a pointer to --help. */
export class UsageError extends OnePlaceError {
  override readonly name: string = "UsageError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("invalid", "cli.usage", message, options);
  }
}

export function usageError(message: string, options?: OnePlaceErrorOptions): UsageError {
  return new UsageError(message, options);
}

/** What the person reads and the exit code. */
export interface Failure {
  message: string;
  hint?: string;
  exitCode: number;
}

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

/** A file the person named that could not be read or written (Node's fs errors carry syscall and path). */
function isFileError(error: unknown): error is Error {
  const e = error as { syscall?: unknown; path?: unknown };
  return error instanceof Error && typeof e.syscall === "string" && typeof e.path === "string";
}

/** What to do next at the command line, by error code, for capability errors that bring no hint of their own. */
const CLI_HINTS: Readonly<Record<string, string>> = {
  "ingest.csv-load": "See docs/formats/ for the layouts.",
  "commissioning.no-plan": "Import one with 'oneplace bcf import FILE' (see 'oneplace bcf list').",
  "risk.no-validated-model": "Run 'oneplace model train' (it validates on a later year), or use --efi-only.",
  "commissioning.plan-format": "See docs/formats/bcf-plan.md for the layout.",
};

function hintOf(error: OnePlaceError): string | undefined {
  return error.hint ?? CLI_HINTS[error.code];
}

/** Turns any failure into the message a person can act on, or an internal error when it is a defect. */
export function describeFailure(error: unknown): Failure {
  if (isDiskFull(error)) {
    return {
      message: "The disk is full: OnePlace could not write its data.",
      hint: "Free some space, or set ONEPLACE_HOME (embedded) or DATABASE_URL to somewhere with room, then run the command again. Nothing was half-loaded.",
      exitCode: 1,
    };
  }
  if (error instanceof UsageError) return { message: error.message, hint: error.hint, exitCode: EXIT_USAGE };
  if (error instanceof OnePlaceError)
    return { message: error.message, hint: hintOf(error), exitCode: EXIT_CODE_OF_KIND[error.kind] };
  if (error instanceof DatabaseError) return { message: error.message, hint: error.hint, exitCode: 1 };
  if (isFileError(error)) return { message: error.message, exitCode: 1 };
  const type = error instanceof Error ? error.constructor.name : typeof error;
  return {
    message: `OnePlace hit an internal error (${type}). This is a defect in OnePlace, not something you did.`,
    hint: "Run the command again with ONEPLACE_DEBUG=1 to see the stack, and report it.",
    exitCode: EXIT_INTERNAL,
  };
}

// Commands throw these (from core) for what a person can put right; re-exported so a command imports one place.
export { conflict, forbidden, invalid, notFound, unavailable } from "../core/index.ts";
