import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError, describeFailure } from "../../src/cli/errors.ts";
import { DatabaseError } from "../../src/store/index.ts";

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

test("CLI and database errors keep their message, hint and exit code", () => {
  assert.deepEqual(describeFailure(new CliError("bad flag", { exitCode: 2, hint: "see help" })), {
    message: "bad flag",
    hint: "see help",
    exitCode: 2,
  });
  const d = describeFailure(new DatabaseError("Cannot connect", "Check DATABASE_URL"));
  assert.equal(d.hint, "Check DATABASE_URL");
  assert.equal(d.exitCode, 1);
});
