import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { BulkLoader } from "../../src/store/bulk-loader.ts";
import { CopyWriter, encodeCopyRow } from "../../src/store/copy-format.ts";
import { deferWrite } from "../../src/store/db.ts";
import { truncateEmptyTables, withIndexesDeferred } from "../../src/store/deferred-indexes.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb();
  await t.db.exec(
    "CREATE TABLE scratch (id integer PRIMARY KEY, label text, on_date date, amount numeric, flag boolean)",
  );
});
after(() => t.dispose());

describe(`the store on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  test("returns dates as ISO strings and counts and numerics as numbers on every engine", async () => {
    await t.db.query("INSERT INTO scratch VALUES (1, 'a', '2015-02-28', 12.5, true)");
    const [row] = await t.db.query<{ on_date: unknown; amount: unknown; n: unknown }>(
      "SELECT on_date, amount, (SELECT count(*) FROM scratch) AS n FROM scratch WHERE id = $1",
      [1],
    );
    assert.equal(row.on_date, "2015-02-28");
    assert.equal(row.amount, 12.5);
    assert.equal(row.n, 1);
    await t.db.query("DELETE FROM scratch");
  });

  test("binds parameters, never splicing them into SQL", async () => {
    const hostile = "x'); DROP TABLE scratch; --";
    await t.db.query("INSERT INTO scratch (id, label) VALUES ($1, $2)", [2, hostile]);
    const rows = await t.db.query<{ label: string }>("SELECT label FROM scratch WHERE id = 2");
    assert.equal(rows[0].label, hostile);
    await t.db.query("DELETE FROM scratch");
  });

  test("a transaction that fails leaves nothing behind, including rows it copied", async () => {
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.copyFrom("scratch", ["id", "label"], [encodeCopyRow([10, "copied"])]);
        await tx.query("INSERT INTO scratch (id, label) VALUES (11, 'inserted')");
        await tx.query("INSERT INTO scratch (id, label) VALUES (11, 'duplicate key')");
      }),
      /duplicate key|unique/i,
    );
    const rows = await t.db.query("SELECT * FROM scratch");
    assert.equal(rows.length, 0);
  });

  test("a transaction whose last, deferred writes fail (with its COMMIT on a server) leaves nothing behind", async () => {
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.exec("INSERT INTO scratch (id, label) VALUES (30, 'first')");
        await deferWrite(
          tx,
          "INSERT INTO scratch (id, label) VALUES (31, 'last'); INSERT INTO scratch (id) VALUES (31)",
        );
      }),
      /duplicate key|unique/i,
    );
    assert.deepEqual(await t.db.query("SELECT * FROM scratch"), []);
    // The connection is usable again: the next transaction commits.
    await t.db.transaction((tx) => deferWrite(tx, "INSERT INTO scratch (id) VALUES (32)"));
    assert.equal((await t.db.query("SELECT * FROM scratch")).length, 1);
    await t.db.query("DELETE FROM scratch");
  });

  test("COPY from bytes written value by value (CopyWriter) round-trips any text, numbers and nulls", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string({ unit: "grapheme", maxLength: 30 })), { minLength: 1, maxLength: 20 }),
        async (labels) => {
          const texts = labels.map((l) => (l === null ? null : l.replaceAll("\u0000", "")));
          const copy = new CopyWriter();
          // Short rows are padded with nulls up to the width asked for.
          for (const [i, l] of texts.entries()) copy.values([i, l, 1.5], 5).end();
          await t.db.transaction(async (tx) => {
            await tx.query("DELETE FROM scratch");
            const loaded = await tx.copyFrom(
              "scratch",
              ["id", "label", "amount", "on_date", "flag"],
              [copy.take()],
            );
            assert.equal(loaded, texts.length);
            const rows = await tx.query<{ label: string | null; amount: number; flag: boolean | null }>(
              "SELECT label, amount, flag FROM scratch ORDER BY id",
            );
            assert.deepEqual(
              rows.map((r) => r.label),
              texts,
            );
            assert.ok(rows.every((r) => r.amount === 1.5 && r.flag === null));
          });
        },
      ),
      { numRuns: 25 },
    );
    await t.db.query("DELETE FROM scratch");
  });

  test("COPY round-trips any text, including tabs, newlines, backslashes and \\N", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string({ unit: "grapheme", maxLength: 30 })), { minLength: 1, maxLength: 20 }),
        async (labels) => {
          const texts = labels.map((l) => (l === null ? null : l.replaceAll("\u0000", "")));
          await t.db.transaction(async (tx) => {
            await tx.query("DELETE FROM scratch");
            const loaded = await tx.copyFrom(
              "scratch",
              ["id", "label"],
              texts.map((l, i) => encodeCopyRow([i, l])),
            );
            assert.equal(loaded, texts.length);
            const rows = await tx.query<{ id: number; label: string | null }>(
              "SELECT id, label FROM scratch ORDER BY id",
            );
            assert.deepEqual(
              rows.map((r) => r.label),
              texts,
            );
          });
        },
      ),
      { numRuns: 25 },
    );
    await t.db.query("DELETE FROM scratch");
  });

  test("the bulk loader batches rows per table and reports what it loaded", async () => {
    const flushed: number[] = [];
    const shape = { name: "scratch", columnNames: ["id", "label", "on_date", "amount", "flag"] };
    const count = await t.db.transaction(async (tx) => {
      const loader = new BulkLoader(tx, { batchRows: 1_000, onFlush: (_table, n) => flushed.push(n) });
      for (let i = 0; i < 4_500; i++) {
        const wait = loader.add(shape, {
          id: i,
          label: `row ${i}`,
          on_date: "2014-04-01",
          amount: i / 4,
          flag: i % 2 === 0,
        });
        if (wait) await wait;
      }
      const loaded = await loader.finish();
      return loaded.get("scratch");
    });
    assert.equal(count, 4_500);
    assert.deepEqual(flushed, [1_000, 1_000, 1_000, 1_000, 500]);
    const [row] = await t.db.query<{ n: number; s: number }>(
      "SELECT count(*) AS n, sum(amount) AS s FROM scratch",
    );
    assert.equal(row.n, 4_500);
    assert.equal(row.s, (4_499 * 4_500) / 2 / 4);
    await t.db.query("DELETE FROM scratch");
  });

  test("the bulk loader surfaces a failed COPY and the transaction rolls back whole", async () => {
    const shape = { name: "scratch", columnNames: ["id", "label"] };
    await assert.rejects(
      t.db.transaction(async (tx) => {
        const loader = new BulkLoader(tx, { batchRows: 10 });
        for (let i = 0; i < 25; i++) loader.add(shape, { id: i % 15, label: "dup after 15" });
        await loader.finish();
      }),
      /duplicate key|unique/i,
    );
    const rows = await t.db.query("SELECT 1 FROM scratch");
    assert.equal(rows.length, 0);
  });

  test("the bulk loader refuses a row naming a column the table does not have", () => {
    const loader = new BulkLoader(t.db);
    assert.throws(
      () => loader.add({ name: "scratch", columnNames: ["id", "label"] }, { id: 1, lable: "typo" }),
      /scratch has no column lable/,
    );
  });

  test("the bulk loader loads a column a named row leaves out as null", async () => {
    await t.db.transaction(async (tx) => {
      const loader = new BulkLoader(tx);
      loader.add({ name: "scratch", columnNames: ["id", "label", "amount"] }, { id: 7, amount: 3 });
      await loader.finish();
    });
    const rows = await t.db.query("SELECT id, label, amount FROM scratch");
    assert.deepEqual(rows, [{ id: 7, label: null, amount: 3 }]);
    await t.db.query("DELETE FROM scratch");
  });
  test("a bulk load with indexes deferred builds them again, keeps constraint indexes, and a failure keeps all", async () => {
    await t.db.exec(
      "CREATE TABLE deferred (id integer PRIMARY KEY, code text, UNIQUE (code)); CREATE INDEX deferred_code_lower ON deferred (lower(code)) WHERE id > 0",
    );
    const indexes = async () =>
      (
        await t.db.query<{ indexdef: string }>(
          "SELECT indexdef FROM pg_indexes WHERE tablename = 'deferred' ORDER BY indexname",
        )
      ).map((r) => r.indexdef);
    const before = await indexes();
    assert.equal(before.length, 3);
    const seenDuringLoad = await t.db.transaction((tx) =>
      withIndexesDeferred(tx, ["deferred"], async () => {
        await tx.copyFrom("deferred", ["id", "code"], [encodeCopyRow([1, "A"]) + encodeCopyRow([2, "B"])]);
        return (
          await tx.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'deferred'",
          )
        )[0].n;
      }),
    );
    assert.equal(
      seenDuringLoad,
      2,
      "the expression index is dropped while loading; the key and unique constraint stay",
    );
    assert.deepEqual(await indexes(), before);
    await assert.rejects(
      t.db.transaction((tx) =>
        withIndexesDeferred(tx, ["deferred"], async () => {
          await tx.copyFrom("deferred", ["id", "code"], [encodeCopyRow([3, "B"])]);
        }),
      ),
      /duplicate key|unique/i,
    );
    assert.deepEqual(await indexes(), before, "a failed load leaves every index in place");
    const rows = await t.db.query("SELECT id FROM deferred ORDER BY id");
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2],
    );
  });

  test("a bulk load deferring its constraints drops keys and unique constraints, adds them back, and a duplicate fails it whole", async () => {
    await t.db.exec(
      "CREATE TABLE keyed (id integer PRIMARY KEY, code text NOT NULL, note text, UNIQUE (code)); CREATE TABLE keyed_child (id integer PRIMARY KEY, keyed_id integer REFERENCES keyed (id))",
    );
    const schema = async () =>
      (
        await t.db.query<{ def: string }>(
          `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS def
             FROM pg_constraint WHERE conrelid IN ('keyed'::regclass, 'keyed_child'::regclass) ORDER BY 1`,
        )
      ).map((r) => r.def);
    const before = await schema();
    const seenDuringLoad = await t.db.transaction((tx) =>
      withIndexesDeferred(
        tx,
        ["keyed", "keyed_child"],
        async () => {
          await tx.copyFrom("keyed", ["id", "code"], [encodeCopyRow([2, "B"]) + encodeCopyRow([1, "A"])]);
          return (
            await tx.query<{ name: string }>(
              "SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('keyed', 'keyed_child') ORDER BY 1",
            )
          ).map((r) => r.name);
        },
        { constraints: true },
      ),
    );
    assert.deepEqual(
      seenDuringLoad,
      ["keyed_pkey"],
      "the unique constraint and the child's key are dropped while loading; the key a foreign key needs stays",
    );
    assert.deepEqual(await schema(), before, "every constraint is back as it was");
    await assert.rejects(
      t.db.transaction((tx) =>
        withIndexesDeferred(
          tx,
          ["keyed"],
          () => tx.copyFrom("keyed", ["id", "code"], [encodeCopyRow([3, "C"]) + encodeCopyRow([4, "A"])]),
          { constraints: true },
        ),
      ),
      /duplicate key|unique/i,
    );
    assert.deepEqual(await schema(), before, "a failed load leaves every constraint in place");
    const rows = await t.db.query<{ id: number }>("SELECT id FROM keyed ORDER BY id");
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2],
    );
  });

  test("only empty tables no foreign key refers to are truncated before a load", async () => {
    await t.db.exec(
      "CREATE TABLE load_parent (id integer PRIMARY KEY); CREATE TABLE load_child (id integer, parent integer REFERENCES load_parent (id)); CREATE TABLE load_full (id integer); INSERT INTO load_full VALUES (1)",
    );
    const truncated = await t.db.transaction((tx) =>
      truncateEmptyTables(tx, ["load_parent", "load_child", "load_full", "no_such_table"]),
    );
    assert.deepEqual(truncated, ["load_child"]);
    assert.deepEqual(
      await t.db.query("SELECT id FROM load_full"),
      [{ id: 1 }],
      "a table with rows is left alone",
    );
  });
});
