// Grouped look-ups (the bearer token behind each request): concurrent callers share one statement, and a caller
// is answered only by a statement that started after it asked, so a change committed before it asked is seen.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Db, GroupedLookup, type Queryable } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let scratch: TestDb;
let db: Db;
before(async () => {
  scratch = await openTestDb({ migrate: false });
  db = scratch.db;
  await db.exec("CREATE TABLE grant_row (key text PRIMARY KEY, state text NOT NULL)");
  await db.query("INSERT INTO grant_row VALUES ('a', 'active'), ('b', 'active')");
});
after(() => scratch.dispose());

function counted() {
  const batches: string[][] = [];
  const lookup = new GroupedLookup<string, string>(async (q: Queryable, keys) => {
    batches.push(keys);
    const rows = await q.query<{ key: string; state: string }>(
      "SELECT key, state FROM grant_row WHERE key = ANY($1::text[])",
      [keys],
    );
    return new Map(rows.map((r) => [r.key, r.state]));
  });
  return { lookup, batches };
}

test("concurrent look-ups share one statement, each distinct key asked once; an unknown key has no answer", async () => {
  const { lookup, batches } = counted();
  const answers = await Promise.all(["a", "b", "a", "zz", "a"].map((k) => lookup.get(db, k)));
  assert.deepEqual(answers, ["active", "active", "active", undefined, "active"]);
  assert.deepEqual(batches, [["a", "b", "zz"]]);
});

test("a look-up asked while a statement runs waits for the next one, and sees what committed before it asked", async () => {
  const { lookup, batches } = counted();
  const first = lookup.get(db, "a");
  // The first statement is under way (it started at the end of this turn); the change commits, then a caller asks.
  await new Promise((r) => setImmediate(r));
  await db.query("UPDATE grant_row SET state = 'revoked' WHERE key = 'a'");
  const second = await lookup.get(db, "a");
  assert.equal(second, "revoked");
  await first;
  assert.deepEqual(batches, [["a"], ["a"]], "the second caller did not share the statement already running");
  await db.query("UPDATE grant_row SET state = 'active' WHERE key = 'a'");
});

test("inside a transaction the look-up is read there, at once", async () => {
  const { lookup, batches } = counted();
  const seen = await db.transaction(async (tx) => {
    await tx.query("UPDATE grant_row SET state = 'changed' WHERE key = 'b'");
    return lookup.get(tx, "b");
  });
  assert.equal(seen, "changed");
  assert.deepEqual(batches, [["b"]]);
});
