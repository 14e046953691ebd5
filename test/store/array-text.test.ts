// A batch's writes travel as columns of arrays, on a server as literals in the text of an EXECUTE: an array of
// strings is written in one pass, as pg itself writes it, and every value comes back as it went.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import fc from "fast-check";
import { insertWrite, prepared, runWrites } from "../../src/store/index.ts";
import { stringArrayText } from "../../src/store/postgres-engine.ts";
import { cols } from "../../src/store/sql.ts";
import { useTestDb } from "../helpers/test-db.ts";

const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(v: unknown): unknown;
};

const awkward = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom("", "NULL", '"', "\\", "'", "a,b", "{x}", "MSH|^~\\&|", "O'BRIEN\\", '\\"'),
);

test("an array of strings and nulls is the text pg writes for it; anything else is left to pg", () => {
  fc.assert(
    fc.property(fc.array(fc.option(awkward, { nil: null })), (values) => {
      assert.equal(stringArrayText(values), prepareValue(values));
    }),
    { numRuns: 500 },
  );
  assert.equal(stringArrayText(["a", undefined]), prepareValue(["a", undefined]));
  assert.equal(stringArrayText([1, "a"]), null);
  assert.equal(stringArrayText([new Date(0)]), null);
});

const place = useTestDb({
  setup: (db) => db.exec("CREATE TABLE array_text (id int PRIMARY KEY, value text)"),
});

test("strings written as a column of a batch's writes come back as they went, quotes and backslashes and all", async () => {
  const COLS = cols("id int, value text");
  const read = prepared(
    "test.array-text",
    "SELECT value FROM array_text WHERE id = ANY($1::int[]) ORDER BY id",
  );
  const samples = fc.sample(
    fc.array(
      awkward.filter((s) => !s.includes("\u0000")),
      { minLength: 1 },
    ),
    40,
  );
  let id = 0;
  for (const values of samples) {
    const rows = values.map((v) => [++id, v]);
    // Twice in a transaction: the second, its statement parsed on the connection, goes as EXECUTE text.
    await place.db.transaction(async (tx) => {
      await runWrites(tx, [insertWrite("array_text", COLS, rows.slice(0, 1))]);
      await runWrites(tx, [insertWrite("array_text", COLS, rows.slice(1))]);
    });
    const back = await place.db.query<{ value: string }>(read, [rows.map((r) => r[0])]);
    assert.deepEqual(
      back.map((r) => r.value),
      values,
    );
  }
});
