import assert from "node:assert/strict";
import { test } from "node:test";
import { err, ok, type Result } from "../../src/core/result.ts";

function parsePositive(s: string): Result<number> {
  const n = Number(s);
  return n > 0 ? ok(n) : err(`not positive: ${s}`);
}

test("ok carries a value and err carries an error, distinguished by the ok flag", () => {
  const good = parsePositive("3");
  const bad = parsePositive("-1");
  assert.deepEqual(good, { ok: true, value: 3 });
  assert.deepEqual(bad, { ok: false, error: "not positive: -1" });
  if (good.ok) assert.equal(good.value + 1, 4);
  if (!bad.ok) assert.match(bad.error, /-1/);
});
