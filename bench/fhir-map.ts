// CPU of mapping FHIR resources to what they become (mapResource: the compiled declarations), without the
// database: each resource type of the synthetic place's FHIR feeds (Patients, Organizations, care plans,
// Encounters, MedicationRequests ...) mapped `rounds` times, with the references a load would resolve (the feeds'
// Organizations) known. Prints CPU µs per resource by type: a mapper change's cost, old against new, apart from
// the database's.
//
//   node bench/fhir-map.ts [people=2000] [rounds=20]

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FhirReject, type MapContext, mapResource } from "../src/ingest/index.ts";
import { DEFAULT_SYNTH_CONFIG, writeFeeds } from "../src/synth/index.ts";

const people = Number(process.argv[2] ?? 2_000);
const rounds = Number(process.argv[3] ?? 20);
const dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-map-bench-"));

/** The NDJSON files below a folder. */
function ndjsonIn(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? ndjsonIn(join(folder, e.name))
      : e.name.endsWith(".ndjson")
        ? [join(folder, e.name)]
        : [],
  );
}

try {
  await writeFeeds({ ...DEFAULT_SYNTH_CONFIG, seed: "fhir-map-bench", people }, dir, {
    outOfOrder: 0,
    cancellations: 0,
    duplicateMessages: 0,
    corrupt: 0,
  });
  const byType = new Map<string, object[]>();
  for (const file of ndjsonIn(dir))
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { resourceType: string };
      byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
    }
  // Every Organization of the feeds is known, by its id, as a load that has received them resolves them.
  const orgs = new Map<string, string>();
  for (const o of (byType.get("Organization") ?? []) as { id: string; identifier?: { value?: string }[] }[])
    orgs.set(o.id, o.identifier?.[0]?.value ?? o.id);
  const ctx: MapContext = {
    source: "bench",
    at: new Date().toISOString(),
    orgCode: (id) => orgs.get(id),
    medication: () => undefined,
    localCode: () => null,
  };
  console.log(`${people} people, ${rounds} rounds; CPU per resource mapped (this process):`);
  for (const [type, resources] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    let rejected = 0;
    const map = () => {
      for (const r of resources)
        try {
          mapResource(r, ctx);
        } catch (error) {
          if (!(error instanceof FhirReject)) throw error;
          rejected++;
        }
    };
    map(); // warm-up: compiled and optimised before it is measured
    rejected = 0;
    const before = process.cpuUsage();
    for (let i = 0; i < rounds; i++) map();
    const used = process.cpuUsage(before);
    const us = (used.user + used.system) / (resources.length * rounds);
    console.log(
      `  ${type.padEnd(20)} ${String(resources.length).padStart(7)} resources  ${us.toFixed(2).padStart(8)} µs each${rejected > 0 ? `  (${rejected / rounds} rejected)` : ""}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
