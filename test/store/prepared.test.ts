// Named prepared statements (src/store/prepared.ts): the same rows and values as the plain query on either
// engine, inside and outside transactions, errors that leave the connection usable, one name never two texts,
// and the statement really kept by name on the server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isOnePlaceError } from "../../src/core/errors.ts";
import { prepared, preparedText } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb({ migrate: false });
  await t.db.exec(`CREATE TABLE prep_item (id uuid PRIMARY KEY, name text NOT NULL, born date, seen timestamptz,
    tags text[], ids uuid[], doc jsonb, n bigint, x numeric)`);
});
after(async () => {
  await t?.dispose();
});

const INSERT = prepared(
  "test.prep.insert",
  `INSERT INTO prep_item (id, name, born, seen, tags, ids, doc, n, x) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
   RETURNING id`,
);
const SELECT_ONE = prepared("test.prep.select", "SELECT * FROM prep_item WHERE id = $1");

const ID = "0b8e7c4a-1f5e-4d3c-9a2b-6c7d8e9f0a1b";
const OTHER = "1c9f8d5b-2a6f-4e4d-8b3c-7d8e9f0a1b2c";

test("a prepared statement writes and reads the same values as a plain query", async () => {
  const seen = new Date("2024-03-01T10:15:00.000Z");
  const values = [
    ID,
    "O'Brien \\ ✓",
    "2015-02-28",
    seen,
    ["a", "b,c"],
    [OTHER],
    JSON.stringify({ k: 1 }),
    7,
    2.5,
  ];
  assert.deepEqual(await t.db.query(INSERT, values), [{ id: ID }]);
  const [viaName] = await t.db.query(SELECT_ONE, [ID]);
  const [viaText] = await t.db.query(SELECT_ONE.text, [ID]);
  assert.deepEqual(viaName, viaText);
  assert.equal(viaName.name, "O'Brien \\ ✓");
  assert.equal(viaName.born, "2015-02-28");
  assert.deepEqual(viaName.seen, seen);
  assert.deepEqual(viaName.tags, ["a", "b,c"]);
  assert.deepEqual(viaName.ids, [OTHER]);
  assert.deepEqual(viaName.doc, { k: 1 });
  assert.equal(viaName.n, 7);
  assert.equal(viaName.x, 2.5);
  // Run again (and again): by name, with other values and with nulls.
  for (let i = 0; i < 7; i++) assert.equal((await t.db.query(SELECT_ONE, [ID])).length, 1);
  assert.deepEqual(await t.db.query(SELECT_ONE, [OTHER]), []);
  assert.deepEqual(await t.db.query(SELECT_ONE, [null]), []);
});

test("the server keeps the statement by its name", async () => {
  await t.db.query(SELECT_ONE, [ID]);
  const names = await t.db.transaction(async (tx) => {
    await tx.query(SELECT_ONE, [ID]);
    return tx.query<{ name: string }>("SELECT name FROM pg_prepared_statements");
  });
  assert.ok(
    names.some((r) => r.name === SELECT_ONE.name),
    `pg_prepared_statements: ${names.map((r) => r.name)}`,
  );
});

test("inside a transaction it sees the transaction's own writes, and a rollback undoes them", async () => {
  await assert.rejects(
    t.db.transaction(async (tx) => {
      await tx.query(INSERT, [OTHER, "inside", null, null, null, null, null, null, null]);
      assert.equal((await tx.query(SELECT_ONE, [OTHER])).length, 1);
      throw new Error("undo");
    }),
    /undo/,
  );
  assert.deepEqual(await t.db.query(SELECT_ONE, [OTHER]), []);
});

test("a failing run is an error with its SQLSTATE, and the connection goes on working", async () => {
  await assert.rejects(
    t.db.query(INSERT, [ID, "again", null, null, null, null, null, null, null]),
    (e: { code?: string }) => e.code === "23505",
  );
  await assert.rejects(t.db.query(SELECT_ONE, ["not a uuid"]), (e: { code?: string }) => e.code === "22P02");
  assert.equal((await t.db.query(SELECT_ONE, [ID])).length, 1);
  const broken = prepared("test.prep.broken", "SELECT nothing FROM no_such_table");
  await assert.rejects(t.db.query(broken), (e: { code?: string }) => e.code === "42P01");
  await assert.rejects(t.db.query(broken), (e: { code?: string }) => e.code === "42P01");
  assert.equal((await t.db.query(SELECT_ONE, [ID])).length, 1);
});

test("concurrent runs outside a transaction never land inside another caller's transaction", async () => {
  const other = t.db.transaction(async (tx) => {
    await tx.query(INSERT, [
      "2d0a9e6c-3b7a-4f5e-9c4d-8e9f0a1b2c3d",
      "tx",
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    await new Promise((r) => setTimeout(r, 50));
    throw new Error("roll back");
  });
  const outside = Promise.all(
    Array.from({ length: 5 }, () => t.db.query(SELECT_ONE, ["2d0a9e6c-3b7a-4f5e-9c4d-8e9f0a1b2c3d"])),
  );
  await assert.rejects(other, /roll back/);
  // On PGlite they waited for the transaction to end; on a server they ran on other connections. Neither saw it.
  for (const rows of await outside) assert.deepEqual(rows, []);
});

test("one name cannot stand for two texts; a text family names each text by its digest", () => {
  assert.throws(
    () => prepared("test.prep.select", "SELECT 2"),
    (e) => isOnePlaceError(e) && e.code === "store.prepared-name",
  );
  assert.throws(
    () => prepared("Bad Name", "SELECT 1"),
    (e) => isOnePlaceError(e),
  );
  const a = preparedText("test.family", "SELECT 1");
  const b = preparedText("test.family", "SELECT 2");
  assert.notEqual(a.name, b.name);
  assert.equal(preparedText("test.family", "SELECT 1"), a);
  assert.match(a.name, /^test\.family\.[0-9a-f]{16}$/);
});
