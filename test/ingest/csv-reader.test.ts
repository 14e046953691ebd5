import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseCsvText } from "../../src/ingest/csv/reader.ts";

const cellArb = fc.string({ unit: fc.constantFrom(..."ab ,\"\r\n'é1"), maxLength: 8 });

function encode(rows: string[][], eol: string): string {
  return rows
    .map((r) => r.map((c) => (/[",\r\n]/.test(c) || c === "" ? `"${c.replaceAll('"', '""')}"` : c)).join(","))
    .join(eol);
}

/** Parses text delivered in pieces, as the file reader does. */
function parseInPieces(text: string, cuts: number[]): string[][] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[][] = [];
  let carry = "";
  let line = 1;
  let from = 0;
  for (const p of [...points, text.length]) {
    const parsed = parseCsvText(carry + text.slice(from, p), line, p === text.length);
    for (const r of parsed.records) out.push(r.fields);
    assert.deepEqual(parsed.problems, []);
    carry = parsed.rest;
    line = parsed.line;
    from = p;
  }
  return out;
}

test("any table written as RFC 4180 CSV reads back the same, however the text arrives", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(cellArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom("\n", "\r\n"),
      fc.array(fc.nat(), { maxLength: 6 }),
      (rows, eol, cuts) => {
        assert.deepEqual(parseInPieces(encode(rows, eol) + eol, cuts), rows);
      },
    ),
    { numRuns: 500 },
  );
});

test("line numbers count line breaks inside quotes; broken records are reported, not lost", () => {
  const parsed = parseCsvText('a,b\n"x\ny",2\nplain,3\nbad"quote,4\n"never closed,5\n', 1, true);
  assert.deepEqual(
    parsed.records.map((r) => [r.line, ...r.fields]),
    [
      [1, "a", "b"],
      [2, "x\ny", "2"],
      [4, "plain", "3"],
    ],
  );
  assert.deepEqual(
    parsed.problems.map((p) => [p.line, p.problem]),
    [
      [5, "a quote inside an unquoted field"],
      [6, "a quoted field is never closed (is the file truncated?)"],
    ],
  );
});
