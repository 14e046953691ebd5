// One error type for everything a person can act on. Capability errors extend OnePlaceError; each face maps
// it once (HTTP status, CLI exit code). Anything that is not a OnePlaceError is a defect, shown to users as an
// internal error with a pointer to ONEPLACE_DEBUG, never as advice.

/** What went wrong, in the terms every face understands. */
export type ErrorKind = "invalid" | "not-found" | "conflict" | "forbidden" | "unavailable";

export const ERROR_KINDS: readonly ErrorKind[] = [
  "invalid",
  "not-found",
  "conflict",
  "forbidden",
  "unavailable",
];

export interface OnePlaceErrorOptions {
  /** What the person can do about it. */
  hint?: string;
  cause?: unknown;
}

export class OnePlaceError extends Error {
  override readonly name: string = "OnePlaceError";
  readonly kind: ErrorKind;
  /** Stable, machine-readable: `capability.what`, e.g. `ingest.hl7-parse`, `governance.access-denied`. */
  readonly code: string;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: OnePlaceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.hint = options.hint;
  }
}

export function isOnePlaceError(error: unknown): error is OnePlaceError {
  return error instanceof OnePlaceError;
}

/** Bad input a person can correct: the commonest kind. */
export function invalid(code: string, message: string, options?: OnePlaceErrorOptions): OnePlaceError {
  return new OnePlaceError("invalid", code, message, options);
}

export function notFound(code: string, message: string, options?: OnePlaceErrorOptions): OnePlaceError {
  return new OnePlaceError("not-found", code, message, options);
}

export function conflict(code: string, message: string, options?: OnePlaceErrorOptions): OnePlaceError {
  return new OnePlaceError("conflict", code, message, options);
}

export function forbidden(code: string, message: string, options?: OnePlaceErrorOptions): OnePlaceError {
  return new OnePlaceError("forbidden", code, message, options);
}

export function unavailable(code: string, message: string, options?: OnePlaceErrorOptions): OnePlaceError {
  return new OnePlaceError("unavailable", code, message, options);
}

/** The HTTP status for each kind; the web and FHIR faces use this one table. */
export const HTTP_STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  "not-found": 404,
  conflict: 409,
  forbidden: 403,
  unavailable: 503,
};

/**
 * The CLI exit code for each kind. Scripts have long relied on 1 meaning "the command could not do what was
 * asked" and 2 meaning "the command line was wrong", so every kind a person can act on exits 1.
 */
export const EXIT_CODE_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 1,
  "not-found": 1,
  conflict: 1,
  forbidden: 1,
  unavailable: 1,
};

/** Exit code for a command line that does not parse (unknown option, missing argument). */
export const EXIT_USAGE = 2;

/** Exit code for anything that is not a OnePlaceError: a defect (sysexits EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;
