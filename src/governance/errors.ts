import { type ErrorKind, OnePlaceError } from "../core/errors.ts";

/** Where a governance failure belongs: bad input (the default) unless the thrower says otherwise. */
export interface GovernanceErrorClass {
  kind: ErrorKind;
  code: string;
}

const INVALID_INPUT: GovernanceErrorClass = { kind: "invalid", code: "governance.invalid-input" };

/** A governance rule or input problem, with a message a person can act on. */
export class GovernanceError extends OnePlaceError {
  override readonly name = "GovernanceError";
  constructor(message: string, hint?: string, { kind, code }: GovernanceErrorClass = INVALID_INPUT) {
    super(kind, code, message, { hint });
  }
}
