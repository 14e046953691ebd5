import assert from "node:assert/strict";
import { createHash, type Hash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { encodeNamedRow } from "../../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, type SynthConfig } from "../../src/synth/config.ts";
import { writeSyntheticPlace } from "../../src/synth/file-sink.ts";
import { generatePlace } from "../../src/synth/generate.ts";
import { ALL_SHAPES } from "../../src/synth/table-shapes.ts";

const small: SynthConfig = {
  ...DEFAULT_SYNTH_CONFIG,
  people: 2000,
  historyStart: "2013-04-01",
  historyEnd: "2015-03-31",
};
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "oneplace-synth-"));
  dirs.push(d);
  return d;
}

test("the same configuration writes byte-identical files; another seed writes different ones", async () => {
  const [firstDir, secondDir, otherDir] = [tempDir(), tempDir(), tempDir()];
  const first = await writeSyntheticPlace(small, firstDir);
  const second = await writeSyntheticPlace(small, secondDir);
  const other = await writeSyntheticPlace({ ...small, seed: "basildon" }, otherDir);

  assert.deepEqual(Object.keys(first).sort(), ALL_SHAPES.map((s) => s.name).sort());
  assert.deepEqual(second, first);
  for (const table of ["person", "hospital_spell", "gp_entry", "social_care_service"]) {
    assert.notEqual(other[table], first[table], `${table} should differ under another seed`);
  }
  // The returned hash is the file's own SHA-256, and every person-level table has rows.
  for (const shape of ALL_SHAPES) {
    const bytes = readFileSync(join(firstDir, `${shape.name}.tsv`));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), first[shape.name], shape.name);
    assert.ok(bytes.length > 0, `${shape.name}.tsv is empty`);
    const firstLine = bytes.toString("utf8", 0, Math.min(bytes.length, 4000)).split("\n")[0];
    assert.equal(firstLine.split("\t").length, shape.columnNames.length, `${shape.name} column count`);
  }
});

test("threads write the same bytes as one thread handing each row to a sink in order", async () => {
  const config = { ...small, people: 700 };
  const hashes = new Map<string, Hash>(ALL_SHAPES.map((s) => [s.name, createHash("sha256")]));
  await generatePlace(config, {
    add(table, row) {
      hashes.get(table.name)?.update(encodeNamedRow(table, row));
      return undefined;
    },
  });
  const inOrder = Object.fromEntries([...hashes].map(([table, h]) => [table, h.digest("hex")]));
  // Uneven chunks over three threads, so chunks arrive out of order and a chunk ends mid-way through the place.
  const threaded = await writeSyntheticPlace(config, tempDir(), { workers: 3, chunkPeople: 97 });
  const oneThread = await writeSyntheticPlace(config, tempDir(), { workers: 1 });
  assert.deepEqual(threaded, inOrder);
  assert.deepEqual(oneThread, inOrder);
});

test("output does not depend on how the sink paces the generator", async () => {
  const hashOf = async (paced: boolean) => {
    const hash = createHash("sha256");
    let n = 0;
    await generatePlace(
      { ...small, people: 500 },
      {
        add(table, row) {
          hash.update(`${table.name}\t${encodeNamedRow(table, row)}`);
          n++;
          return paced && n % 7 === 0 ? new Promise((resolve) => setImmediate(resolve)) : undefined;
        },
      },
    );
    return hash.digest("hex");
  };
  assert.equal(await hashOf(true), await hashOf(false));
});

test("progress is reported up to the total, which includes people born or moving in", async () => {
  const seen: [number, number][] = [];
  await generatePlace({ ...small, people: 500 }, { add: () => undefined }, (done, total) =>
    seen.push([done, total]),
  );
  const [lastDone, total] = seen[seen.length - 1];
  assert.equal(lastDone, total);
  assert.ok(total > 500 && total < 600, `total ${total}`);
});
