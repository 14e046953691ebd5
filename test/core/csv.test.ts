// The one CSV reader and writer outside ingest: RFC 4180 quoting both ways, and what Excel needs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { csvRecords, parseCsv, streamCsv, writeCsv } from "../../src/core/csv.ts";

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

test("streaming: the same file as writeCsv, and rows are read only as the reader takes the text", async () => {
  const rows = [{ name: "Smith, J", amount: 1200 }, { name: ' say "hi"', amount: null }, { name: "plain" }];
  async function* three() {
    yield* rows;
  }
  let text = "";
  for await (const chunk of streamCsv(["name", "amount"], three())) text += chunk;
  assert.equal(text, writeCsv(["name", "amount"], rows));

  // 200,000 rows on offer: after the first chunk has been taken, only the buffers' worth (some kB) has been read.
  let pulled = 0;
  async function* many() {
    for (let i = 0; i < 200_000; i++) {
      pulled++;
      yield { name: `person ${i}`, amount: i };
    }
  }
  const stream = streamCsv(["name", "amount"], many());
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.match(String(first.value), /^\ufeffname,amount\nperson 0,0\n/);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(pulled < 20_000, `${pulled} rows read before the reader took more than one chunk`);
  let lines = String(first.value).split("\n").length - 1;
  for await (const chunk of { [Symbol.asyncIterator]: () => iterator })
    lines += String(chunk).split("\n").length - 1;
  assert.equal(lines, 1 + 200_000);
  assert.equal(pulled, 200_000);
});

test("streaming: a failure while reading rows ends the stream with that error", async () => {
  async function* failing() {
    yield { name: "one" };
    throw new Error("the database went away");
  }
  await assert.rejects(async () => {
    for await (const _ of streamCsv(["name"], failing())) {
      // reading on
    }
  }, /the database went away/);
});
