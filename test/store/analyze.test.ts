// Statistics after bulk loads (src/store/analyze.ts): a table never analysed, or grown by more than a fifth since
// it was, is analysed; one that has not grown is left alone. On both engines (the embedded one has no autovacuum).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { analyzeGrownTables } from "../../src/store/index.ts";
import { citusTest, openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb({ migrate: false });
  // Autovacuum must not analyse the table behind the test's back.
  await t.db.exec(
    "CREATE TABLE analyze_item (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = off)",
  );
});
after(async () => {
  await t?.dispose();
});

const estimate = async () =>
  (
    await t.db.query<{ n: number }>("SELECT reltuples::int AS n FROM pg_class WHERE relname = 'analyze_item'")
  )[0].n;
const load = (from: number, to: number) =>
  t.db.exec(`INSERT INTO analyze_item SELECT i, repeat('x', 100) FROM generate_series(${from}, ${to}) i`);

test("a bulk-loaded table is analysed once it has grown, and left alone otherwise", {
  skip: citusTest,
}, async () => {
  await load(1, 20_000);
  assert.equal(await estimate(), -1, "never analysed before the call");
  assert.deepEqual(await analyzeGrownTables(t.db, ["analyze_item", "no_such_table"]), ["analyze_item"]);
  assert.equal(await estimate(), 20_000);

  await load(20_001, 21_000);
  assert.deepEqual(await analyzeGrownTables(t.db, ["analyze_item"]), [], "5% more is not worth analysing");
  assert.equal(await estimate(), 20_000);

  await load(21_001, 40_000);
  assert.deepEqual(await analyzeGrownTables(t.db, ["analyze_item"]), ["analyze_item"]);
  assert.equal(await estimate(), 40_000, "the planner now knows the table's size");
  assert.deepEqual(await analyzeGrownTables(t.db, ["analyze_item"]), []);
});
