import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import type { SqlType } from "../../src/store/catalogue/define.ts";
import { type BinaryShape, CopyBinaryWriter, numericParts } from "../../src/store/copy-binary.ts";
import { CopyWriter } from "../../src/store/copy-format.ts";
import type { NamedRow } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

const COLUMNS: [string, SqlType][] = [
  ["id", "integer"],
  ["label", "text"],
  ["ref", "uuid"],
  ["on_date", "date"],
  ["at", "timestamptz"],
  ["amount", "numeric"],
  ["flag", "boolean"],
  ["decile", "smallint"],
];
const shape = (name: string): BinaryShape => ({
  name,
  columns: COLUMNS.map(([column, type]) => ({ name: column, type })),
});
const names = COLUMNS.map(([c]) => c);

let t: TestDb;
before(async () => {
  t = await openTestDb();
  for (const table of ["copied_text", "copied_binary"])
    await t.db.exec(
      `CREATE TABLE ${table} (id integer PRIMARY KEY, label text, ref uuid, on_date date, at timestamptz, amount numeric, flag boolean, decile smallint)`,
    );
});
after(() => t.dispose());

/** Loads the rows as text and as binary COPY and returns each table's rows as text, in id order. */
async function bothWays(rows: NamedRow[]): Promise<[string[], string[]]> {
  const text = new CopyWriter();
  for (const row of rows) {
    for (const c of names) text.value(row[c]);
    text.end();
  }
  const binary = new CopyBinaryWriter();
  for (const row of rows) binary.row(shape("copied_binary"), row);
  await t.db.transaction(async (tx) => {
    await tx.exec("TRUNCATE copied_text, copied_binary");
    await tx.copyFrom("copied_text", names, [text.take()]);
    await tx.copyFrom("copied_binary", names, [binary.take()], { format: "binary" });
  });
  const read = async (table: string) =>
    (
      await t.db.query<{ line: string }>(
        `SELECT format('%s|%s|%s|%s|%s|%s|%s|%s', id, label, ref, on_date, extract(epoch FROM at), amount, flag, decile) AS line FROM ${table} ORDER BY id`,
      )
    ).map((r) => r.line);
  return [await read("copied_text"), await read("copied_binary")];
}

describe(`binary COPY on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"}`, () => {
  test("loads the same values as text COPY, the awkward ones included", async () => {
    const amounts = [0, -0, 0.5, 1e-7, 123456789.123, 1e21, -42.125, 10000, 0.0001, 99999.99999, 7, -1];
    const rows: NamedRow[] = amounts.map((amount, i) => ({
      id: i,
      label: ["Zoë", "tab\there", "new\nline", "back\\slash", "", "日本", "plain"][i % 7],
      ref: i % 3 === 0 ? "6F9619FF-8B86-D011-B42D-00C04FC964FF" : "00000000-0000-4000-8000-00000000000a",
      on_date: ["1900-02-28", "2016-02-29", "1969-12-31", "2000-01-01", "2099-12-31"][i % 5],
      at: [
        "2013-04-06T02:00:00Z",
        "1999-12-31T23:59:59Z",
        "2014-06-01T10:00:00+01:00",
        "2014-06-01T10:00:00.123Z",
        "1960-01-01T00:00:00Z",
      ][i % 5],
      amount,
      flag: i % 2 === 0,
      decile: i % 4 === 0 ? null : i - 5,
    }));
    rows.push({ id: 100 }); // every other column null
    const [text, binary] = await bothWays(rows);
    assert.equal(binary.length, rows.length);
    assert.deepEqual(binary, text);
  });

  test("loads any numbers, texts, dates and instants as text COPY does (property)", async () => {
    const day = fc.integer({ min: -40_000, max: 60_000 }).map((d) => new Date(d * 86_400_000));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            label: fc.string({ unit: "grapheme" }).map((s) => s.replaceAll("\0", "")),
            on_date: day.map((d) => d.toISOString().slice(0, 10)),
            // Whole seconds as "…Z", and with milliseconds as toISOString writes them ("….123Z").
            at: fc
              .tuple(
                fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }),
                fc.integer({ min: -1, max: 999 }),
              )
              .map(([s, ms]) =>
                ms < 0
                  ? new Date(s * 1000).toISOString().replace(".000Z", "Z")
                  : new Date(s * 1000 + ms).toISOString(),
              ),
            amount: fc.oneof(
              fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
              fc.integer(),
            ),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (records) => {
          const rows = records.map((r, id) => ({ ...r, id }));
          const [text, binary] = await bothWays(rows);
          assert.deepEqual(binary, text);
        },
      ),
      { numRuns: 25 },
    );
  });

  test("numeric parts are PostgreSQL's base-10000 digits, weight and scale", () => {
    assert.deepEqual(numericParts("12345.678"), {
      digits: [1, 2345, 6780],
      weight: 1,
      negative: false,
      dscale: 3,
    });
    assert.deepEqual(numericParts("0.005"), { digits: [50], weight: -1, negative: false, dscale: 3 });
    assert.deepEqual(numericParts("-1e-7"), { digits: [10], weight: -2, negative: true, dscale: 7 });
    assert.deepEqual(numericParts("0"), { digits: [], weight: 0, negative: false, dscale: 0 });
  });

  test("a whole number is written as numeric as its text would be, and repeated values as when first written", () => {
    const amount: BinaryShape = { name: "amounts", columns: [{ name: "amount", type: "numeric" }] };
    const edges = [
      0,
      -0,
      1,
      -1,
      9999,
      10_000,
      -10_000,
      123_450_000,
      1e8,
      2 ** 31,
      -(2 ** 40),
      Number.MAX_SAFE_INTEGER,
    ];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...edges), fc.maxSafeInteger()), (n) => {
        const asNumber = new CopyBinaryWriter(4);
        const asText = new CopyBinaryWriter(4);
        asNumber.values(amount, [n]);
        asText.values(amount, [String(n)]);
        assert.deepEqual(asNumber.take(), asText.take(), String(n));
      }),
      { numRuns: 500 },
    );
    // A column's value again is copied from its first writing (store/copy-binary.ts): the same bytes each time.
    const ids: BinaryShape = {
      name: "ids",
      columns: [
        { name: "ref", type: "uuid" },
        { name: "on_date", type: "date" },
        { name: "at", type: "timestamptz" },
        { name: "term", type: "text" },
        { name: "code", type: "text" },
      ],
    };
    const row = [
      "6f9619ff-8b86-d011-b42d-00c04fc964ff",
      "2016-02-29",
      "2014-06-01T10:00:00Z",
      "Atorvastatin 20mg tablets, a term longer than 32 bytes",
      "12345",
    ];
    const once = new CopyBinaryWriter();
    once.values(ids, row);
    const first = once.take();
    const twice = new CopyBinaryWriter();
    twice.values(ids, row);
    twice.values(ids, [...row]);
    const other = ["6F9619FF8B86D011B42D00C04FC964FF", "2016-03-01", "2014-06-01T10:00:01Z", "x", "1"];
    const alone = new CopyBinaryWriter();
    alone.values(ids, other);
    const otherBytes = alone.take();
    twice.values(ids, other);
    twice.values(ids, row);
    const all = twice.take();
    // After take() the last values' bytes are gone with the buffer handed over: written afresh, the same.
    twice.values(ids, row);
    assert.deepEqual(twice.take(), first);
    const n = first.byteLength;
    assert.deepEqual(all.subarray(0, n), first);
    assert.deepEqual(all.subarray(n, 2 * n), first);

    assert.deepEqual(
      all.subarray(2 * n, 2 * n + 22),
      first.subarray(0, 22),
      "the same UUID, written another way",
    );
    assert.deepEqual(all.subarray(all.byteLength - n), first);
    assert.deepEqual(all.subarray(2 * n, 2 * n + otherBytes.byteLength), otherBytes, "another row between");
    assert.equal(all.byteLength, 3 * n + otherBytes.byteLength);
  });

  test("a positional row (values in column order, nulls past them) is written as the same named row", () => {
    const named = new CopyBinaryWriter();
    const positional = new CopyBinaryWriter();
    const values = [
      7,
      "label",
      "6f9619ff-8b86-d011-b42d-00c04fc964ff",
      "2016-02-29",
      "2014-06-01T10:00:00.123Z",
    ];
    named.row(shape("copied_binary"), Object.fromEntries(values.map((v, i) => [names[i], v])));
    positional.values(shape("copied_binary"), values);
    assert.deepEqual(Buffer.from(positional.take()), Buffer.from(named.take()));
  });

  test("the buffer grows before a null's length word that would not fit", () => {
    // 5 bytes: the field count (2) leaves 3, one short of a null's 4-byte length.
    const writer = new CopyBinaryWriter(5);
    writer.row(shape("copied_binary"), { id: null });
    assert.equal(writer.take().byteLength, 2 + 4 * COLUMNS.length);
  });

  test("a value that is not of its column's type is refused with the table and column named", () => {
    const writer = new CopyBinaryWriter();
    assert.throws(
      () => writer.row(shape("copied_binary"), { id: 1, ref: "not-a-uuid" }),
      /copied_binary\.ref/,
    );
    assert.throws(() => writer.row(shape("copied_binary"), { id: 1, on_date: "06/04/2013" }), /date/);
    assert.throws(() => writer.row(shape("copied_binary"), { id: 1, at: "2013-04-06 02:00" }), /instant/);
  });
});
