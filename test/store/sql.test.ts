// The one SQL toolkit: literals survive a round trip through the database whatever they hold, the tagged
// template numbers parameters (nested fragments too) and quotes identifiers, and the unnest helpers write
// rows.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { isOnePlaceError } from "../../src/core/errors.ts";
import {
  arrayLiteral,
  cols,
  InlineParams,
  ident,
  insertMany,
  insertText,
  joinSql,
  literal,
  run,
  SqlParams,
  sql,
  textLiteral,
} from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb({ migrate: false });
});
after(async () => {
  await t?.dispose();
});

// Any text PostgreSQL can hold: every code point but NUL, quotes and backslashes made common.
const storable = fc
  .array(
    fc.oneof(
      fc.constantFrom("'", "\\", "''", "\\'", "E'", "$1", "\u00e9", "\u{1f600}", "\n", '"'),
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
    ),
  )
  .map((parts) => parts.join("").replaceAll("\u0000", ""));

test("any string selected back as a literal equals itself", async () => {
  await fc.assert(
    fc.asyncProperty(storable, async (text) => {
      const rows = await t.db.query<{ v: string }>(`SELECT ${textLiteral(text)} AS v`);
      assert.equal(rows[0].v, text);
    }),
    { numRuns: 200 },
  );
});

test("literals of other types and arrays read back as their values", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(storable, { maxLength: 5 }), async (texts) => {
      const rows = await t.db.query<{ a: string[]; j: unknown }>(
        `SELECT ${arrayLiteral(texts, "text")} AS a, ${literal(JSON.stringify({ texts }), "jsonb")} AS j`,
      );
      assert.deepEqual(rows[0].a, texts);
      const j = typeof rows[0].j === "string" ? JSON.parse(rows[0].j) : rows[0].j;
      assert.deepEqual(j, { texts });
    }),
    { numRuns: 100 },
  );
  const rows = await t.db.query<{ n: unknown; b: boolean; nothing: unknown; d: string }>(
    `SELECT ${literal(2.5, "numeric")}::float8 AS n, ${literal(true, "boolean")} AS b,
            ${literal(null, "text")} AS nothing, ${literal("2024-02-29", "date")}::text AS d`,
  );
  assert.deepEqual(rows[0], { n: 2.5, b: true, nothing: null, d: "2024-02-29" });
});

test("a statement with InlineParams reads the same values as with parameters, and sends none", async () => {
  const values: [unknown, string | undefined][] = [
    ["2016-03-31", "date"],
    ["9b2f0c1e-4a5d-4c3b-8e7f-0a1b2c3d4e5f", "uuid"],
    [["home-care", "it's \\ odd"], "text[]"],
    [[], "text[]"],
    [["7d3c1a2b-0000-4000-8000-000000000001"], "uuid[]"],
    [2.5, "float8"],
    ["O'Brien", undefined],
  ];
  const select = (p: SqlParams) =>
    `SELECT ${values.map(([v, cast], i) => `${p.add(v, cast)} AS c${i}`).join(", ")}`;
  const withParams = new SqlParams();
  const byParams = await t.db.query(select(withParams), withParams.values);
  const inline = new InlineParams();
  const byLiterals = await t.db.query(select(inline));
  assert.equal(inline.values.length, 0);
  assert.deepEqual(byLiterals, byParams);
  assert.equal(byParams[0].c6, "O'Brien");
});

test("a NUL or a number that is not finite is refused as bad input", () => {
  assert.throws(
    () => textLiteral("a\u0000b"),
    (e) => isOnePlaceError(e) && e.kind === "invalid",
  );
  assert.throws(
    () => literal(Number.NaN, "numeric"),
    (e) => isOnePlaceError(e) && e.kind === "invalid",
  );
});

test("sql`...` numbers parameters through nested fragments and quotes identifiers", async () => {
  const inner = sql`x.n > ${1} AND x.t <> ${"it's"}`;
  const s = sql`SELECT count(*)::int AS n FROM (VALUES (2, 'a'), (0, 'b')) AS x(n, t) WHERE ${inner} AND x.t = ${"a"}`;
  assert.equal(
    s.text,
    "SELECT count(*)::int AS n FROM (VALUES (2, 'a'), (0, 'b')) AS x(n, t) WHERE x.n > $1 AND x.t <> $2 AND x.t = $3",
  );
  assert.deepEqual(s.values, [1, "it's", "a"]);
  assert.deepEqual(await run(t.db, s), [{ n: 1 }]);
  assert.equal(sql`SELECT * FROM ${ident("person")}`.text, 'SELECT * FROM "person"');
  assert.throws(() => ident('person"; DROP TABLE person; --'));
  const list = joinSql([sql`${1}`, sql`${2}`, sql`${3}`]);
  assert.deepEqual(await run(t.db, sql`SELECT ARRAY[${list}]::int[] AS a`), [{ a: [1, 2, 3] }]);
});

test("insertMany and insertText write the same rows", async () => {
  await t.db.exec("CREATE TABLE toolkit_probe (k text PRIMARY KEY, d date, n numeric, extra jsonb)");
  const columns = cols("k text, d date, n numeric, extra jsonb");
  const rows = [
    ["o'brien\\x", "2020-01-31", 3, JSON.stringify({ a: "\u00e9" })],
    ["plain", null, null, null],
  ];
  await insertMany(t.db, "toolkit_probe", columns, rows);
  await t.db.exec(
    insertText(
      "toolkit_probe",
      columns,
      rows.map((r) => [`${r[0]}-text`, ...r.slice(1)]),
    ),
  );
  const back = await t.db.query<{ k: string; d: string | null; n: unknown }>(
    "SELECT k, d::text AS d, n::float8 AS n FROM toolkit_probe ORDER BY k",
  );
  assert.deepEqual(back, [
    { k: "o'brien\\x", d: "2020-01-31", n: 3 },
    { k: "o'brien\\x-text", d: "2020-01-31", n: 3 },
    { k: "plain", d: null, n: null },
    { k: "plain-text", d: null, n: null },
  ]);
  assert.equal(insertText("toolkit_probe", columns, []), "");
});
