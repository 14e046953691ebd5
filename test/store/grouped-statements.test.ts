// Grouped statements (the row each concurrent read by id asks for): callers of one prepared statement with
// different parameters share one statement, and each gets exactly the rows, in the order, its own statement
// returns; a caller asking while a statement runs is answered by the next, so it sees what committed first.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Db, GroupedStatements, groupedText, openDb, prepared } from "../../src/store/index.ts";
import { citusTest, openTestDb, type TestDb } from "../helpers/test-db.ts";

let scratch: TestDb;
let db: Db;
before(async () => {
  scratch = await openTestDb({ migrate: false });
  db = scratch.db;
  await db.exec(`CREATE TABLE reading (owner uuid NOT NULL, at timestamptz NOT NULL, value int NOT NULL, note text,
    PRIMARY KEY (owner, at))`);
  await db.query(
    `INSERT INTO reading VALUES
      ('00000000-0000-4000-8000-00000000000a', '2024-01-01T00:00:00Z', 1, 'a1'),
      ('00000000-0000-4000-8000-00000000000a', '2024-03-01T00:00:00Z', 3, 'a3'),
      ('00000000-0000-4000-8000-00000000000a', '2024-02-01T00:00:00Z', 2, null),
      ('00000000-0000-4000-8000-00000000000b', '2024-01-15T00:00:00Z', 7, 'b7')`,
  );
});
after(() => scratch.dispose());

// On a Citus cluster nothing is grouped (each person's statement goes to its own shard): GroupedStatements
// sends every caller's statement on its own there, which the FHIR reads' tests check through HTTP.
const grouping = { skip: citusTest ? "no grouping on a Citus cluster" : false };

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const NOBODY = "00000000-0000-4000-8000-00000000000c";

/** A person's readings from a date, newest first, at most `limit`, with the count of all that match. */
const READINGS = prepared(
  "test.grouped.readings",
  `SELECT r.value, r.note, r.at, count(*) OVER () AS total FROM reading r
    WHERE r.owner = $1::uuid AND r.at >= $2::timestamptz ORDER BY r.at DESC LIMIT $3::int`,
);

test(
  "concurrent callers share one statement, each answered with its own rows in its statement's order",
  grouping,
  async () => {
    const grouped = new GroupedStatements();
    const asked: [string, string, number][] = [
      [A, "2024-01-01T00:00:00Z", 10],
      [B, "2024-01-01T00:00:00Z", 10],
      [A, "2024-02-01T00:00:00Z", 1],
      [NOBODY, "2024-01-01T00:00:00Z", 10],
      [A, "2024-01-01T00:00:00Z", 2],
    ];
    const answers = await Promise.all(asked.map((values) => grouped.query(db, READINGS, values)));
    assert.deepEqual(grouped.counts, { statements: 1, callers: 5 });
    // Each answer is what the caller's own statement returns, alone.
    for (const [i, values] of asked.entries()) {
      assert.deepEqual(answers[i], await db.query(READINGS, values), `caller ${i}`);
    }
    assert.deepEqual(
      answers.map((rows) => rows.map((r) => r.value)),
      [[3, 2, 1], [7], [3], [], [3, 2]],
    );
    assert.deepEqual(Object.keys(answers[0][0]).sort(), ["at", "note", "total", "value"]);
    assert.equal(Number(answers[4][0].total), 3, "a window over each caller's own rows, not the batch's");
  },
);

test(
  "a caller asking while a statement runs is answered by the next one, and sees what committed first",
  grouping,
  async () => {
    const grouped = new GroupedStatements();
    const first = grouped.query(db, READINGS, [B, "2024-01-01T00:00:00Z", 10]);
    await new Promise((r) => setImmediate(r));
    await db.query("INSERT INTO reading VALUES ($1, '2024-06-01T00:00:00Z', 9, 'b9')", [B]);
    const second = await grouped.query(db, READINGS, [B, "2024-01-01T00:00:00Z", 10]);
    assert.deepEqual(
      second.map((r) => r.value),
      [9, 7],
    );
    assert.deepEqual((await first).map((r) => r.value).includes(7), true);
    assert.equal(grouped.counts.statements, 2);
    await db.query("DELETE FROM reading WHERE owner = $1 AND value = 9", [B]);
  },
);

test("inside a transaction the statement runs there, at once", async () => {
  const grouped = new GroupedStatements();
  const seen = await db.transaction(async (tx) => {
    await tx.query("INSERT INTO reading VALUES ($1, '2025-01-01T00:00:00Z', 5, 'in tx')", [NOBODY]);
    return grouped.query(tx, READINGS, [NOBODY, "2024-01-01T00:00:00Z", 10]);
  });
  assert.deepEqual(
    seen.map((r) => r.note),
    ["in tx"],
  );
  assert.deepEqual(grouped.counts, { statements: 0, callers: 0 });
  await db.query("DELETE FROM reading WHERE owner = $1", [NOBODY]);
});

test("one caller failing its own statement fails alone: the others are answered", grouping, async () => {
  const grouped = new GroupedStatements();
  const answers = await Promise.allSettled([
    grouped.query(db, READINGS, [A, "2024-01-01T00:00:00Z", 10]),
    grouped.query(db, READINGS, ["not-a-uuid", "2024-01-01T00:00:00Z", 10]),
    grouped.query(db, READINGS, [B, "2024-01-01T00:00:00Z", 10]),
  ]);
  assert.deepEqual(
    answers.map((a) => a.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.deepEqual(
    (answers[2] as PromiseFulfilledResult<{ value: number }[]>).value.map((r) => r.value),
    [7],
  );
});

test("a statement with a parameter of no cast of its own is not grouped (as text it would not compare)", () => {
  assert.equal(groupedText("SELECT * FROM reading WHERE at >= $1", 1), null);
  assert.equal(groupedText("SELECT * FROM reading WHERE owner = $1::uuid AND value = $10", 10), null);
  assert.match(
    groupedText("SELECT * FROM reading WHERE owner = $1::uuid AND value < $2::int", 2) ?? "",
    /grouped_args\.p1::uuid AND value < grouped_args\.p2::int/,
  );
});

test(
  "a grouped statement keeps its generic plan whatever its batches' sizes (planned once, not for every batch)",
  grouping,
  async () => {
    // One connection, so the statement's plans are all in the one session pg_prepared_statements shows.
    const one = scratch.databaseUrl
      ? await openDb({ databaseUrl: scratch.databaseUrl, home: scratch.home, poolSize: 1 })
      : db;
    const plans = async () =>
      (
        await one.query<{ generic: number; custom: number }>(
          `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements
            WHERE name LIKE 'grouped.%' AND statement LIKE '%FROM reading r%'`,
        )
      )[0] ?? { generic: 0, custom: 0 };
    try {
      const earlier = await plans(); // the tests above ran it on PGlite's one connection
      const grouped = new GroupedStatements();
      const owners = [A, B, NOBODY];
      for (let batch = 0; batch < 16; batch++) {
        const size = 2 + (batch % 5);
        const asked = Array.from({ length: size }, (_, i) => [owners[i % 3], "2024-01-01T00:00:00Z", 1 + i]);
        const answers = await Promise.all(asked.map((values) => grouped.query(one, READINGS, values)));
        for (const [i, values] of asked.entries())
          assert.deepEqual(answers[i], await one.query(READINGS, values), `batch ${batch}, caller ${i}`);
      }
      assert.equal(grouped.counts.statements, 16, "each batch went as one statement");
      const later = await plans();
      // PostgreSQL plans a statement with parameters afresh for its first five runs, then keeps the generic plan
      // unless the custom plans looked cheaper, as they did for arrays of the batch's own length (16 of 16).
      assert.equal(later.custom, 5, "planned afresh for the first five runs only");
      assert.equal(later.generic + later.custom - earlier.generic - earlier.custom, 16);
    } finally {
      if (one !== db) await one.close();
    }
  },
);
