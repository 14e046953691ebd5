// The FHIR conformance corpus (test/corpus/fhir, third-party samples: see test/corpus/SOURCES.md) loaded on the
// engine under test, as an integrator would on a first day: what became of each resource type is printed, every
// resource offered is accounted for, most of what OnePlace takes is stored, and clinical rows reach the record.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { documentItems, typeOf } from "../../src/ingest/fhir/document.ts";
import { fhirFolderFiles } from "../../src/ingest/fhir/files.ts";
import { loadFhirFile } from "../../src/ingest/fhir/load.ts";
import { isSupportedResource } from "../../src/ingest/fhir/resources.ts";
import { fhirXmlToJson } from "../../src/ingest/fhir/xml.ts";
import { getLoad } from "../../src/ingest/loads.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
useTestDb({
  setup(opened) {
    db = opened;
  },
});

const CORPUS = new URL("../corpus/fhir/", import.meta.url).pathname;
const FOLDERS = ["synthea-bulk", "uk-core"];

/** The resource types a file offers, counted from the file itself. */
function offeredIn(path: string): string[] {
  const text = readFileSync(path, "utf8");
  if (path.endsWith(".ndjson"))
    return text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => typeOf(JSON.parse(l)) ?? "(none)");
  const doc = path.endsWith(".xml") ? fhirXmlToJson(text) : JSON.parse(text);
  const { items, rejects } = documentItems(doc, text);
  return [...items.map((i) => typeOf(i.resource) ?? "(none)"), ...rejects.map(() => "(unreadable entry)")];
}

type Row = { offered: number; stored: number; held: number; rejected: number; unsupported: number };

test("the FHIR corpus: every resource accounted for, at least 70% of what OnePlace takes stored, clinical rows in the record", async () => {
  const byType = new Map<string, Row>();
  const row = (t: string) => {
    const r = byType.get(t) ?? { offered: 0, stored: 0, held: 0, rejected: 0, unsupported: 0 };
    byType.set(t, r);
    return r;
  };
  let offered = 0;
  for (const folder of FOLDERS) {
    for (const file of fhirFolderFiles(join(CORPUS, folder))) {
      const types = offeredIn(file);
      for (const t of types) row(t).offered++;
      offered += types.length;
      const r = await loadFhirFile(db, file, { source: folder });
      const load = await getLoad(db, r.loadId);
      assert.ok(load);
      assert.equal(load.recordsRead, types.length, `${file}: read what it offers`);
      assert.equal(
        load.recordsRead,
        load.loaded + load.duplicates + load.held + load.rejected + (load.unsupported ?? 0),
        `${file}: offered = stored + held + rejected + unsupported`,
      );
      for (const [t, n] of Object.entries(load.unsupportedByType)) row(t).unsupported += n;
    }
  }
  // Where each resource ended, from the rows that say so (held and rejected by type; stored is the rest).
  const held = await db.query<{ t: string; n: number }>(
    "SELECT resource_type AS t, count(*) AS n FROM ingest_fhir_held GROUP BY resource_type",
  );
  for (const h of held) row(h.t).held += Number(h.n);
  const rejected = await db.query<{ t: string | null; n: number }>(
    "SELECT layout AS t, count(*) AS n FROM ingest_reject WHERE status = 'open' GROUP BY layout",
  );
  for (const r of rejected) row(r.t ?? "(unreadable entry)").rejected += Number(r.n);
  let taken = 0;
  let stored = 0;
  for (const [t, r] of byType) {
    r.stored = r.offered - r.held - r.rejected - r.unsupported;
    assert.ok(r.stored >= 0, `${t}: no more held, rejected or unsupported than offered`);
    if (isSupportedResource(t)) {
      assert.equal(r.unsupported, 0, `${t} is taken`);
      taken += r.offered;
      stored += r.stored;
    } else assert.equal(r.unsupported + r.rejected, r.offered, `${t} is counted unsupported, never stored`);
  }
  const lines = [...byType]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([t, r]) =>
        `${t.padEnd(28)}${[r.offered, r.stored, r.held, r.rejected, r.unsupported].map((n) => String(n).padStart(12)).join("")}`,
    );
  console.log(
    [
      `${"resource type".padEnd(28)}${["offered", "stored", "held", "rejected", "unsupported"].map((h) => h.padStart(12)).join("")}`,
      ...lines,
      `${"all".padEnd(28)}${String(offered).padStart(12)}   stored ${stored} of ${taken} taken (${Math.round((100 * stored) / taken)}%)`,
    ].join("\n"),
  );
  assert.ok(stored / taken >= 0.7, `stored ${stored} of ${taken} resources of types OnePlace takes`);
  // UK Core's smoking-cessation EpisodeOfCare is typed by SNOMED CT, which is accepted and flagged (a care-plan-type
  // mapping corrects it later); it has no period at all, so no day the plan started, and that alone refuses it.
  const episodes = await db.query<{ reason: string }>(
    "SELECT reason FROM ingest_reject WHERE layout = 'EpisodeOfCare' AND status = 'open'",
  );
  assert.deepEqual(
    episodes.map((e) => e.reason.replace(/^.*?: (?=EpisodeOfCare)/, "")),
    ["EpisodeOfCare.period.start is missing or not a date"],
  );

  const counts = await db.query<{ t: string; n: number }>(
    `SELECT 'gp_entry' AS t, count(*) AS n FROM gp_entry WHERE source_system IN ('synthea-bulk', 'uk-core')
     UNION ALL SELECT 'medication_issue', count(*) FROM medication_issue WHERE source_system IN ('synthea-bulk', 'uk-core')
     UNION ALL SELECT 'hospital_spell', count(*) FROM hospital_spell WHERE source_system IN ('synthea-bulk', 'uk-core')
     UNION ALL SELECT 'outpatient_attendance', count(*) FROM outpatient_attendance WHERE source_system = 'synthea-bulk'
     UNION ALL SELECT 'allergy', count(*) FROM gp_entry WHERE entry_kind = 'allergy'
     UNION ALL SELECT 'immunisation', count(*) FROM gp_entry WHERE entry_kind = 'immunisation' AND source_system = 'synthea-bulk'`,
  );
  const n = Object.fromEntries(counts.map((c) => [c.t, Number(c.n)]));
  for (const t of Object.keys(n)) assert.ok(n[t] > 0, `clinical rows in ${t}`);
});
