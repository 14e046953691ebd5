// A register's counts are computed once for requests within COUNTS_FRESH_MS of each other, per database and
// key, counted afresh after that, and a failed count is never kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { COUNTS_FRESH_MS, registerCounts } from "../../src/governance/register-counts.ts";

test("one count for the same database and key while fresh; again once stale or for another key or database", async () => {
  const db = {};
  const other = {};
  let computed = 0;
  const count = async () => ++computed;
  const t0 = 1_000_000;
  assert.equal(await registerCounts(db, ["gp", "Z1"], count, t0), 1);
  assert.equal(await registerCounts(db, ["gp", "Z1"], count, t0 + COUNTS_FRESH_MS - 1), 1);
  assert.equal(await registerCounts(db, ["gp", "Z2"], count, t0 + 1), 2);
  assert.equal(await registerCounts(other, ["gp", "Z1"], count, t0 + 1), 3);
  assert.equal(await registerCounts(db, ["gp", "Z1"], count, t0 + COUNTS_FRESH_MS), 4);
});

test("a count that failed is asked again by the next request", async () => {
  const db = {};
  let calls = 0;
  const flaky = async () => {
    calls++;
    if (calls === 1) throw new Error("connection lost");
    return 7;
  };
  await assert.rejects(registerCounts(db, ["k"], flaky, 5), /connection lost/);
  assert.equal(await registerCounts(db, ["k"], flaky, 6), 7);
  assert.equal(calls, 2);
});
