// The pseudonymised export's lines, type by type, over a loaded place: each templated type's rows read as the
// general path reads them (the source's every column; toFhir, pseudonymiseResource, JSON.stringify) and as the
// template reads them (its columns, timestamps as text; the line straight from the row), in batches of 5,000
// people by range of ids as the whole-place export reads them. Checks that the lines are the same, byte for byte,
// and prints the CPU of each path per resource: this process (reading the rows and making the lines) and
// PostgreSQL's backends (the statement). Reads only; no access decision, audit or file (bench/fhir-export.ts runs
// the whole flow).
//
//   DATABASE_URL=postgres://... node bench/fhir-export-lines.ts [--people N] [--types Encounter,Observation]
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import {
  type FhirResource,
  LINE_TEMPLATES,
  pseudonymisedLine,
  pseudonymiseResource,
  RESOURCE_BY_NAME,
  type ResourceType,
  type SourceRow,
  templateColumns,
} from "../src/fhir/index.ts";
import { pseudonymFor } from "../src/governance/index.ts";
import { openDb } from "../src/store/index.ts";
import { cpuMeter, cpuPer, load } from "./ingest-bench-db.ts";

const { values } = parseArgs({ options: { people: { type: "string" }, types: { type: "string" } } });
const databaseUrl = process.env.DATABASE_URL?.trim();
if (!databaseUrl) throw new Error("DATABASE_URL names the loaded place to read");
const db = await openDb({ databaseUrl, home: "/nonexistent" });
const key = Buffer.from("5e".repeat(32), "hex");
const pseudonyms = new Map<string, string>();
const ps = {
  key,
  pseudonymOf: (id: string) => {
    const known = pseudonyms.get(id);
    if (known) return known;
    const p = pseudonymFor(key, id);
    pseudonyms.set(id, p);
    return p;
  },
};

const limit = values.people ? Number(values.people) : null;
const people = (
  await db.query<{ person_id: string }>(
    `SELECT person_id::text FROM person ORDER BY person_id${limit ? " LIMIT $1" : ""}`,
    limit ? [limit] : [],
  )
).map((r) => r.person_id);
for (const id of people) ps.pseudonymOf(id); // as the export does before its batches
const batches: [string, string][] = [];
for (let at = 0; at < people.length; at += 5000)
  batches.push([people[at], people[Math.min(at + 5000, people.length) - 1]]);
console.log(`${people.length.toLocaleString("en-GB")} people; load average ${load()}`);

const names = values.types ? values.types.split(",") : [...LINE_TEMPLATES.keys()];
let mismatches = 0;
for (const name of names) {
  const type = RESOURCE_BY_NAME.get(name) as ResourceType;
  const template = LINE_TEMPLATES.get(name);
  if (!template) throw new Error(`${name} has no template`);
  const sql = (columns: string) =>
    `SELECT ${columns} FROM (${type.source}) r WHERE r.person_id BETWEEN $1::uuid AND $2::uuid ORDER BY r.person_id, r.id`;
  const digests: string[] = [];
  let count = 0;
  let meter = await cpuMeter({ databaseUrl });
  for (const range of batches) {
    const rows = await db.query<SourceRow>(sql("r.*"), range);
    const toFhir = type.toFhir as (row: SourceRow) => FhirResource;
    const hash = createHash("sha256");
    for (const row of rows)
      hash.update(`${JSON.stringify(pseudonymiseResource(toFhir(row), key, ps.pseudonymOf))}\n`);
    digests.push(hash.digest("hex"));
    count += rows.length;
  }
  const general = await meter.stop();
  meter = await cpuMeter({ databaseUrl });
  let declined = 0;
  for (const [i, range] of batches.entries()) {
    const rows = await db.query<SourceRow>(sql(templateColumns(template)), range);
    await template.complete?.(db, rows, true);
    const hash = createHash("sha256");
    for (const row of rows) {
      let line = template.line(row, ps);
      if (line === null) {
        declined++;
        line = pseudonymisedLine(type, template, row, ps);
      }
      hash.update(`${line}\n`);
    }
    if (hash.digest("hex") !== digests[i]) {
      mismatches++;
      console.log(`  ${name}: batch ${i} differs`);
    }
  }
  const templated = await meter.stop();
  console.log(`${name}: ${count.toLocaleString("en-GB")} resources, ${declined} left to the general path`);
  console.log(`  general path: ${cpuPer(general, count, "resource")}`);
  console.log(`  template:     ${cpuPer(templated, count, "resource")}`);
}
await db.close();
console.log(mismatches === 0 ? "the same lines, byte for byte" : `${mismatches} batches differ`);
process.exitCode = mismatches === 0 ? 0 : 1;
