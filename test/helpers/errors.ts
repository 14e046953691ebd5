import assert from "node:assert/strict";
import { type ErrorKind, OnePlaceError } from "../../src/core/errors.ts";

/**
 * For assert.throws and assert.rejects: the error is a OnePlaceError (or a capability subclass) of this kind
 * and code, and its message matches when one is given.
 */
export function onePlaceError(kind: ErrorKind, code: string, message?: RegExp): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof OnePlaceError, `expected a OnePlaceError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  };
}
