// Replaying FHIR rejects against loading the same resources the first time, for two kinds of resource:
// - N practice Organizations naming a parent OnePlace has not received (each a reject); the parent is loaded;
// - N MedicationRequests naming a Medication OnePlace has not received; the Medication is loaded;
// then `oneplace rejects replay --all` (replayRejects) is timed against a first load of N others whose parent or
// Medication is known. Both check and write every resource the same way; a replay also reads and resolves each
// reject.
//
//   node bench/fhir-replay.ts [n=5000]        (DATABASE_URL=postgres://... for PostgreSQL)

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listRejects, loadFhirFile, replayRejects } from "../src/ingest/index.ts";
import { openBenchDb, rate } from "./ingest-bench-db.ts";

const n = Number(process.argv[2] ?? 5_000);
const dir = mkdtempSync(join(tmpdir(), "oneplace-replay-bench-"));
const bench = await openBenchDb();
const { db } = bench;
const KIND = "urn:oneplace:local:organisation-kind";
const org = (code: string, kind: string, parent?: string) =>
  JSON.stringify({
    resourceType: "Organization",
    id: code,
    identifier: [{ system: "https://fhir.nhs.uk/Id/ods-organization-code", value: code }],
    name: `Organisation ${code}`,
    type: [{ coding: [{ system: KIND, code: kind }] }],
    ...(parent ? { partOf: { reference: `Organization/${parent}` } } : {}),
  });
const practices = (prefix: string, parent: string) =>
  `${Array.from({ length: n }, (_, i) => org(`${prefix}${String(i).padStart(5, "0")}`, "practice", parent)).join("\n")}\n`;
function medication(id: string) {
  return {
    resourceType: "Medication",
    id,
    code: { coding: [{ system: "https://dmd.nhs.uk", code: `3${id.length}`, display: id }] },
  };
}
const requests = (prefix: string, med: string) =>
  `${Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      resourceType: "MedicationRequest",
      id: `${prefix}${i}`,
      status: "active",
      intent: "order",
      medicationReference: { reference: `Medication/${med}` },
      subject: { reference: "Patient/p1" },
      authoredOn: "2020-01-01",
    }),
  ).join("\n")}\n`;

async function replayAll(what: string) {
  const ids = (await listRejects(db, { sourceSystem: "bench", limit: n + 10 }))
    .map((r) => r.rejectId)
    .reverse();
  const started = performance.now();
  const results = await replayRejects(db, ids, "bench");
  const seconds = (performance.now() - started) / 1000;
  const accepted = results.filter((r) => r.accepted).length;
  console.log(
    `replay: ${accepted} of ${ids.length} ${what} rejects accepted in ${seconds.toFixed(1)} s = ${rate(ids.length, seconds)}`,
  );
}

try {
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  await loadFhirFile(db, file("known.ndjson", `${org("ZK001", "locality")}\n`), { source: "bench" });
  const first = await loadFhirFile(db, file("first.ndjson", practices("A", "ZK001")), { source: "bench" });
  console.log(
    `engine ${db.engine}; first load: ${first.counts.loaded} of ${n} Organizations in ${first.seconds.toFixed(1)} s = ${rate(n, first.seconds)}`,
  );
  await loadFhirFile(db, file("orphans.ndjson", practices("B", "ZL999")), { source: "bench" });
  await loadFhirFile(db, file("parent.ndjson", `${org("ZL999", "locality")}\n`), { source: "bench" });
  await replayAll("Organization");

  const patient = {
    resourceType: "Patient",
    id: "p1",
    identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765919" }],
    name: [{ family: "Bench" }],
    birthDate: "1940-01-01",
  };
  const people = [patient, medication("known")].map((x) => JSON.stringify(x)).join("\n");
  await loadFhirFile(db, file("people.ndjson", people), { source: "bench" });
  const meds = await loadFhirFile(db, file("requests.ndjson", requests("a", "known")), { source: "bench" });
  console.log(
    `first load: ${meds.counts.loaded} of ${n} MedicationRequests in ${meds.seconds.toFixed(1)} s = ${rate(n, meds.seconds)}`,
  );
  await loadFhirFile(db, file("late-requests.ndjson", requests("b", "late")), { source: "bench" });
  await loadFhirFile(db, file("late.ndjson", `${JSON.stringify(medication("late"))}\n`), { source: "bench" });
  await replayAll("MedicationRequest");
} finally {
  rmSync(dir, { recursive: true, force: true });
  await bench.dispose();
}
