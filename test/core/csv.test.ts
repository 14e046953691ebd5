// The one CSV reader and writer outside ingest: RFC 4180 quoting both ways, and what Excel needs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { csvRecords, parseCsv, writeCsv } from "../../src/core/csv.ts";

test("reading: quoted commas, doubled quotes, line breaks in quotes, a byte-order mark, mixed line ends", () => {
  assert.deepEqual(parseCsv('a,"b, ""c""",d'), [["a", 'b, "c"', "d"]]);
  assert.deepEqual(parseCsv('\ufeffx,y\r\n"two\nlines",2\n\nshort\n'), [
    ["x", "y"],
    ["two\nlines", "2"],
    ["short"],
  ]);
  assert.deepEqual(csvRecords(" X ,Y\n1\n"), [{ x: "1", y: null }]);
  assert.throws(() => parseCsv('x\n"never closed'), /CSV cannot be read/);
});

test("writing: a byte-order mark, LF line ends, quotes only where a reader needs them", () => {
  const text = writeCsv(
    ["name", "amount"],
    [{ name: "Smith, J", amount: 1200 }, { name: ' say "hi"', amount: null }, { name: "plain" }],
  );
  assert.equal(text, '\ufeffname,amount\n"Smith, J",1200\n" say ""hi""",\nplain,\n');
  assert.deepEqual(csvRecords(text), [
    { name: "Smith, J", amount: "1200" },
    { name: ' say "hi"', amount: "" },
    { name: "plain", amount: "" },
  ]);
});
