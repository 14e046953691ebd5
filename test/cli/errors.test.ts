import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailure, EXIT_INTERNAL, EXIT_USAGE, usageError } from "../../src/cli/errors.ts";
import { NoPlanError } from "../../src/commissioning/index.ts";
import { conflict, invalid, notFound } from "../../src/core/index.ts";
import { DatabaseError } from "../../src/platform/index.ts";

test("a full disk, however deep in the cause chain, reads as a full disk with what to do", () => {
  const fs = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  for (const error of [
    fs,
    new DatabaseError("COPY failed", undefined, { cause: fs }),
    Object.assign(new Error("could not extend file"), { code: "53100" }),
  ]) {
    const d = describeFailure(error);
    assert.match(d.message, /The disk is full/);
    assert.match(d.hint ?? "", /ONEPLACE_HOME/);
    assert.equal(d.exitCode, 1);
  }
});

test("a usage error exits 2 with its hint", () => {
  assert.deepEqual(describeFailure(usageError("bad flag", { hint: "see help" })), {
    message: "bad flag",
    hint: "see help",
    exitCode: EXIT_USAGE,
  });
});

test("a OnePlaceError gives its message, hint and the exit code of its kind", () => {
  for (const error of [
    invalid("test.bad", "That is not a date", { hint: "Write YYYY-MM-DD." }),
    notFound("test.none", "No such plan"),
    conflict("test.twice", "Already there"),
  ]) {
    const d = describeFailure(error);
    assert.equal(d.message, error.message);
    assert.equal(d.hint, error.hint);
    assert.equal(d.exitCode, 1);
  }
});

test("a database error keeps its message and hint", () => {
  const d = describeFailure(new DatabaseError("Cannot connect", "Check DATABASE_URL"));
  assert.equal(d.message, "Cannot connect");
  assert.equal(d.hint, "Check DATABASE_URL");
  assert.equal(d.exitCode, 1);
});

test("a defect is an internal error naming its type, never shown as advice", () => {
  for (const error of [
    new TypeError("Cannot read properties of undefined (reading 'x')"),
    "a string thrown",
  ]) {
    const d = describeFailure(error);
    assert.match(d.message, /^OnePlace hit an internal error \((TypeError|string)\)/);
    assert.doesNotMatch(d.message, /Cannot read properties/);
    assert.match(d.hint ?? "", /ONEPLACE_DEBUG=1/);
    assert.equal(d.exitCode, EXIT_INTERNAL);
  }
});

test("bad input is a OnePlaceError; a RangeError is now a defect, shown as one", () => {
  const d = describeFailure(new RangeError("Not a period: 2015-13"));
  assert.equal(d.exitCode, EXIT_INTERNAL);
  assert.match(d.message, /internal error \(RangeError\)/);
  const plan = describeFailure(new NoPlanError("No BCF plan is stored"));
  assert.equal(plan.exitCode, 1);
  assert.match(plan.hint ?? "", /oneplace bcf import/);
});

test("a file the person named that cannot be read is theirs to fix", () => {
  const error = Object.assign(new Error("ENOENT: no such file or directory, open 'x.hl7'"), {
    code: "ENOENT",
    syscall: "open",
    path: "x.hl7",
  });
  assert.deepEqual(describeFailure(error), { message: error.message, exitCode: 1 });
});
