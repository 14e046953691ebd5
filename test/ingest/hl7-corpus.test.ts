// The conformance corpus: third-party ADT samples nobody here wrote (test/corpus/hl7, origins and licences in
// test/corpus/SOURCES.md), loaded on the engine under test into a place set up as a test instance (the samples
// are marked MSH-11 T). Prints what became of every message offered and holds OnePlace to the bar: every
// message ends stored, held, rejected or unsupported, and at least 80% of those OnePlace takes are stored.
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadHl7File, setTestInstance } from "../../src/ingest/index.ts";
import { useTestDb } from "../helpers/test-db.ts";

const CORPUS = fileURLToPath(new URL("../corpus/hl7/", import.meta.url));

function messageFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return messageFiles(path);
      return /\.(hl7|txt)$/.test(name) ? [path] : [];
    });
}

const place = useTestDb({ setup: (db) => setTestInstance(db, true, "corpus test") });

test("the third-party ADT corpus: every message offered is stored, held, rejected or unsupported, and at least 80% of those OnePlace takes are stored", async () => {
  const db = place.db;
  const totals = { offered: 0, stored: 0, held: 0, rejected: 0, unsupported: 0 };
  const bySource = new Map<string, typeof totals>();
  for (const file of messageFiles(CORPUS)) {
    const r = await loadHl7File(db, file);
    const c = r.counts;
    const row = {
      offered: c.recordsRead,
      // Already there: the same message in another sample file, stored once.
      stored: c.loaded + c.duplicates,
      held: c.held,
      rejected: c.rejected,
      unsupported: r.unsupported,
    };
    assert.equal(
      row.offered,
      row.stored + row.held + row.rejected + row.unsupported,
      `${relative(CORPUS, file)}: a message offered is unaccounted for`,
    );
    const source = relative(CORPUS, file).split("/")[0];
    const s = bySource.get(source) ?? { offered: 0, stored: 0, held: 0, rejected: 0, unsupported: 0 };
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
      s[k] += row[k];
      totals[k] += row[k];
    }
    bySource.set(source, s);
  }
  const line = (name: string, t: typeof totals) =>
    `${name.padEnd(16)} ${String(t.offered).padStart(8)} ${String(t.stored).padStart(7)} ${String(t.held).padStart(5)} ${String(t.rejected).padStart(9)} ${String(t.unsupported).padStart(12)}`;
  console.log(
    [
      `${"corpus".padEnd(16)} ${"offered".padStart(8)} ${"stored".padStart(7)} ${"held".padStart(5)} ${"rejected".padStart(9)} ${"unsupported".padStart(12)}`,
      ...[...bySource].map(([name, t]) => line(name, t)),
      line("all", totals),
    ].join("\n"),
  );
  const reasons = await db.query<{ reason: string; n: number }>(
    "SELECT reason, count(*) AS n FROM ingest_reject GROUP BY reason ORDER BY n DESC, reason",
  );
  for (const r of reasons) console.log(`rejected ${Number(r.n)}: ${r.reason}`);
  assert.ok(totals.offered >= 50, `the corpus has ${totals.offered} messages`);
  assert.equal(totals.offered, totals.stored + totals.held + totals.rejected + totals.unsupported);
  const taken = totals.offered - totals.unsupported;
  assert.ok(
    totals.stored / taken >= 0.8,
    `${totals.stored} of ${taken} ADT messages of events OnePlace takes were stored (${Math.round((100 * totals.stored) / taken)}%)`,
  );
});
