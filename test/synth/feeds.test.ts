// The feeds written from a synthetic place are a function of the configuration and the faults: the same seed
// gives the same files byte for byte, another seed other files. The pinned digest below was taken from the
// single writeFeeds function before it became one writer per source system, and guards that split: if a
// deliberate change to the generator or the feeds moves it, check the change with the both-ways ingest test
// (test/ingest/both-ways.test.ts) and set the new digest, saying why in the commit.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CSV_LAYOUTS, type FeedManifest } from "../../src/ingest/index.ts";
import { DEFAULT_SYNTH_CONFIG, type SynthConfig } from "../../src/synth/config.ts";
import { type FeedWriteResult, writeFeeds } from "../../src/synth/feeds/write-feeds.ts";

const config: SynthConfig = {
  ...DEFAULT_SYNTH_CONFIG,
  seed: "feeds-golden",
  people: 300,
  historyStart: "2013-04-01",
  historyEnd: "2015-03-31",
};
// Faults well above the defaults, so that every kind (cancellations, overtaking, repeats, damage) is in the files.
const faults = { outOfOrder: 0.2, cancellations: 0.2, duplicateMessages: 0.1, corrupt: 0.02 };
const GOLDEN_DIGEST = "bf21e1f3b085834c691b569ec0b9a114db10b1d97b7c7ac8a6364b6470b5a750";

const dirs: string[] = [];
const written: { dir: string; result: FeedWriteResult }[] = [];

async function write(c: SynthConfig): Promise<{ dir: string; result: FeedWriteResult }> {
  const dir = mkdtempSync(join(tmpdir(), "oneplace-feeds-"));
  dirs.push(dir);
  return { dir, result: await writeFeeds(c, dir, faults) };
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** One digest over every file's path and bytes. */
function digestOf(dir: string): string {
  const h = createHash("sha256");
  for (const f of filesOf(dir)) h.update(`${f}\n`).update(readFileSync(join(dir, f)));
  return h.digest("hex");
}

before(async () => {
  written.push(await write(config), await write(config), await write({ ...config, seed: "feeds-other" }));
});

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("the same seed and faults write byte-identical feed files, the ones pinned before the writer was split", () => {
  const [first, second] = written;
  assert.deepEqual(filesOf(second.dir), filesOf(first.dir));
  for (const f of filesOf(first.dir)) {
    assert.ok(readFileSync(join(first.dir, f)).equals(readFileSync(join(second.dir, f))), `${f} differs`);
  }
  assert.deepEqual(second.result.damaged, first.result.damaged);
  assert.equal(digestOf(first.dir), GOLDEN_DIGEST);
});

test("another seed writes other feeds", () => {
  const [first, , other] = written;
  for (const f of ["acute-pas/adt.hl7", "gp/gp-patients.csv", "social-care/sc-clients.csv", "truth.tsv"]) {
    assert.ok(!readFileSync(join(first.dir, f)).equals(readFileSync(join(other.dir, f))), `${f} is the same`);
  }
});

test("the manifest lists every feed file written, each CSV with a layout whose columns are its header", () => {
  const { dir, result } = written[0];
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as FeedManifest;
  const listed = manifest.files.map((f) => f.file).sort();
  const scoring = ["faults.json", "manifest.json", "truth.tsv"];
  assert.deepEqual(
    listed,
    filesOf(dir).filter((f) => !scoring.includes(f)),
  );
  for (const f of manifest.files.filter((m) => m.format === "csv")) {
    const layout = CSV_LAYOUTS.find((l) => l.name === f.layout);
    assert.ok(layout, `${f.file}: layout ${f.layout}`);
    const header = readFileSync(join(dir, f.file), "utf8")
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)[0];
    assert.equal(header, layout.columns.map((c) => c.name).join(","), f.file);
  }
  assert.equal(result.messages, result.files.adt);
  assert.equal(
    readFileSync(join(dir, "acute-pas/adt.hl7"), "utf8").split("\n").filter(Boolean).length,
    result.messages,
  );
  assert.ok(result.damaged.length > 0, "some records were damaged");
});
