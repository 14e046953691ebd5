import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ERROR_KINDS,
  EXIT_CODE_OF_KIND,
  EXIT_INTERNAL,
  HTTP_STATUS_OF_KIND,
  invalid,
  isOnePlaceError,
  notFound,
  OnePlaceError,
} from "../../src/core/index.ts";

test("a OnePlaceError carries kind, code, hint and cause", () => {
  const cause = new Error("underlying");
  const error = invalid("ingest.hl7-parse", "MSH-9 is empty", { hint: "Fill MSH-9", cause });
  assert.ok(error instanceof Error);
  assert.ok(isOnePlaceError(error));
  assert.equal(error.kind, "invalid");
  assert.equal(error.code, "ingest.hl7-parse");
  assert.equal(error.message, "MSH-9 is empty");
  assert.equal(error.hint, "Fill MSH-9");
  assert.equal(error.cause, cause);
  assert.equal(notFound("x.y", "none").kind, "not-found");
  assert.equal(isOnePlaceError(new TypeError("x is undefined")), false);
});

test("a capability error extending OnePlaceError keeps its own name", () => {
  class PlanFormatError extends OnePlaceError {
    override readonly name = "PlanFormatError";
    constructor(message: string) {
      super("invalid", "commissioning.plan-format", message);
    }
  }
  const error = new PlanFormatError("bad sheet");
  assert.ok(isOnePlaceError(error));
  assert.equal(error.name, "PlanFormatError");
  assert.equal(String(error), "PlanFormatError: bad sheet");
});

test("every kind maps to an HTTP error status and a failing exit code distinct from a defect's", () => {
  for (const kind of ERROR_KINDS) {
    assert.ok(HTTP_STATUS_OF_KIND[kind] >= 400 && HTTP_STATUS_OF_KIND[kind] < 600, kind);
    assert.ok(EXIT_CODE_OF_KIND[kind] > 0 && EXIT_CODE_OF_KIND[kind] !== EXIT_INTERNAL, kind);
  }
  assert.equal(HTTP_STATUS_OF_KIND.forbidden, 403);
  assert.equal(HTTP_STATUS_OF_KIND["not-found"], 404);
});
