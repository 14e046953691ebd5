// Matching quality of the master person index against the generator's truth. Generates a synthetic place
// (10% of social care records without an NHS Number and 5% with a mistyped one, the defaults), sends every
// source system's person records through the MPI in the order feeds usually arrive (GP, hospital, community,
// mental health, social care), and prints pairwise precision and recall, wrong links and the review queue.
//
//   node bench/mpi-match.ts [people=20000]        (DATABASE_URL to run on PostgreSQL)

import { isValidNhsNumber } from "../src/core/nhs-number.ts";
import {
  evaluateMatching,
  openReviewCount,
  resolveRecords,
  type SourceRecordInput,
} from "../src/mpi/index.ts";
import type { NamedRow } from "../src/store/index.ts";
import { CATALOGUE, type Table } from "../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, generatePlace } from "../src/synth/index.ts";
import { openBenchDb } from "./ingest-bench-db.ts";

const people = Number(process.argv[2] ?? 20_000);
const ORDER = ["gp", "acute-pas", "community-ehr", "mental-health-ehr", "social-care"];

const records: SourceRecordInput[] = [];
const truth: string[] = [];
const identifiers = new Map<string, { system: string; value: string }>();
await generatePlace(
  { ...DEFAULT_SYNTH_CONFIG, seed: "mpi-bench", people },
  {
    add(table: Table, v: NamedRow) {
      if (table.name === "person_identifier")
        identifiers.set(`${v.source_system}|${v.value}`, {
          system: String(v.system),
          value: String(v.value),
        });
      if (table.name === "synth_truth")
        truth.push(`${v.person_id}\t${v.source_system}\t${v.source_record_id}\n`);
      if (table.name !== "person_record") return undefined;
      const id = identifiers.get(`${v.source_system}|${v.source_record_id}`);
      records.push({
        sourceSystem: String(v.source_system),
        recordId: String(v.source_record_id),
        nhsNumber: (v.nhs_number as string | null) ?? null,
        family: (v.family_name as string | null) ?? null,
        given: (v.given_name as string | null) ?? null,
        birthDate: (v.birth_date as string | null) ?? null,
        sex: (v.sex as SourceRecordInput["sex"]) ?? null,
        postcode: (v.postcode as string | null) ?? null,
        receivedAt: String(v.received_at),
        identifiers: id ? [id] : [],
      });
      return undefined;
    },
  },
);
records.sort((a, b) => ORDER.indexOf(a.sourceSystem) - ORDER.indexOf(b.sourceSystem));

const bench = await openBenchDb();
const db = bench.db;
try {
  await db.copyFrom("synth_truth", CATALOGUE.synth_truth.columnNames, truth);
  const started = performance.now();
  const BATCH = 2000;
  for (let i = 0; i < records.length; i += BATCH) {
    await db.transaction((tx) => resolveRecords(tx, records.slice(i, i + BATCH)));
  }
  const seconds = (performance.now() - started) / 1000;
  const q = await evaluateMatching(db);
  const social = records.filter((r) => r.sourceSystem === "social-care").length;
  console.log(
    `engine ${db.engine}; ${people} people; ${records.length} source records (${social} social care)`,
  );
  console.log(`linked in ${seconds.toFixed(1)} s (${Math.round(records.length / seconds)} records/s)`);
  console.log(
    `all records, pairwise: precision ${(q.precision * 100).toFixed(3)}%  recall ${(q.recall * 100).toFixed(3)}%  ` +
      `(pairs: true ${q.truePairs}, linked ${q.linkedPairs}, correct ${q.correctPairs}); ` +
      `records on the wrong person ${q.wrongRecords}; review queue ${await openReviewCount(db)}`,
  );
  // The records that needed a probabilistic match: no valid NHS Number (missing or mistyped).
  const links = new Map(
    (
      await db.query<{ k: string; p: string }>(
        "SELECT source_system || '|' || source_record_id AS k, person_id::text AS p FROM mpi_record_link",
      )
    ).map((r) => [r.k, r.p]),
  );
  const truthOf = new Map<string, string>();
  const membersOf = new Map<string, string[]>();
  for (const line of truth) {
    const [person, system, id] = line.trim().split("\t");
    const k = `${system}|${id}`;
    truthOf.set(k, person);
    membersOf.set(person, [...(membersOf.get(person) ?? []), k]);
  }
  const onPerson = new Map<string, string[]>();
  for (const [k, p] of links) onPerson.set(p, [...(onPerson.get(p) ?? []), k]);
  let needed = 0;
  let withMates = 0;
  let right = 0;
  let wrong = 0;
  for (const r of records) {
    if (r.nhsNumber && isValidNhsNumber(r.nhsNumber)) continue;
    needed++;
    const k = `${r.sourceSystem}|${r.recordId}`;
    const mates = (membersOf.get(truthOf.get(k) as string) ?? []).filter((m) => m !== k);
    const mine = links.get(k);
    const together = mates.filter((m) => links.get(m) === mine).length;
    const strangers = (onPerson.get(mine as string) ?? []).filter(
      (other) => truthOf.get(other) !== truthOf.get(k),
    ).length;
    if (mates.length > 0) withMates++;
    if (strangers > 0) wrong++;
    else if (together > 0) right++;
  }
  console.log(
    `records without a valid NHS Number: ${needed} (${withMates} with other records of the same person); ` +
      `linked right ${right}, wrong ${wrong}: precision ${((right / Math.max(1, right + wrong)) * 100).toFixed(2)}%, ` +
      `recall ${((right / Math.max(1, withMates)) * 100).toFixed(2)}%`,
  );
} finally {
  await bench.dispose();
}
