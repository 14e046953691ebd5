// An ADT batch's cost must not grow with the place: its statements are look-ups and writes by key, planned once
// per connection (not once per batch), with plans the listener keeps up to date as the tables grow.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { applyHl7Batch } from "../../src/ingest/hl7/many.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import { startMllpServer } from "../../src/ingest/mllp-server.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { testNhsNumber } from "../helpers/nhs-numbers.ts";
import { citusTest, useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, syntheticPatient } from "./mllp-harness.ts";

/** One connection, so the statements prepared on it are the ones the test looks at. */
const place = useTestDb({ poolSize: 1 });

let serial = 0;
const message = (trigger: "A28" | "A01" | "A02", n: number) =>
  buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: "ZZA01",
    controlId: `plan${++serial}`,
    trigger,
    messageTime: "2014-07-02T10:00:00Z",
    ...(trigger === "A02" ? { eventAt: "2014-07-03T10:00:00Z" } : {}),
    patient: syntheticPatient(`PL${n}`, n),
    visit:
      trigger === "A28"
        ? null
        : {
            visitNumber: `PLV${n}`,
            patientClass: "I",
            admissionType: "21",
            specialty: "300",
            site: "ZZA01001",
            ward: trigger === "A01" ? "AMU" : "GEN1",
            admitAt: "2014-07-02T09:00:00Z",
          },
  });
const apply = (db: Db, messages: string[]) =>
  applyHl7Batch(
    db,
    messages.map((raw) => ({ raw, ctx: { origin: "test" } })),
  );

/** Each table's sequential scans so far (the statistics flushed first). */
async function seqScans(tables: string[]): Promise<Record<string, number>> {
  await place.db.query("SELECT pg_stat_force_next_flush()");
  const rows = await place.db.query<{ relname: string; n: number }>(
    "SELECT relname, seq_scan::int AS n FROM pg_stat_user_tables WHERE relname = ANY($1::text[]) ORDER BY relname",
    [tables],
  );
  return Object.fromEntries(rows.map((r) => [r.relname, r.n]));
}

/** Plans made for particular parameters (planned again each run), over the statements an ADT batch runs. */
async function customPlans(): Promise<number> {
  const [row] = await place.db.query<{ n: number }>(
    `SELECT coalesce(sum(custom_plans), 0)::int AS n FROM pg_prepared_statements
     WHERE name LIKE 'hl7.%' OR name LIKE 'writes.%' OR name LIKE 'mpi.%'`,
  );
  return row.n;
}

test("a place with statistics does not plan an ADT batch's statements again for each batch", {
  skip: citusTest ? "Citus plans its own prepared statements (genericPlans is off there)" : false,
}, async () => {
  for (let start = 0; start < 120; start += 20) {
    const outcomes = await apply(
      place.db,
      Array.from({ length: 20 }, (_, i) => message(i % 2 === 0 ? "A28" : "A01", start + i)),
    );
    assert.ok(outcomes.every((o) => o.code === "AA"));
  }
  // As autovacuum (or the listener, as the tables grow) does: the plans are made again with the new statistics.
  await place.db.exec("ANALYZE");
  const planned = await customPlans();
  for (let b = 0; b < 12; b++) {
    const outcomes = await apply(place.db, [
      message("A02", 2 * b + 1),
      message("A28", 1000 + b),
      message("A28", 2 * b),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ["AA", "AA", "AA"],
    );
  }
  assert.equal(await customPlans(), planned, "no statement of the 12 batches was planned for its parameters");
});

test("an ADT batch finds the rows a visit no longer has by their ids: no canonical table is scanned whole", async () => {
  const ae = (trigger: "A04" | "A03", n: number) =>
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId: `ae${++serial}`,
      trigger,
      messageTime: "2014-07-02T10:00:00Z",
      patient: syntheticPatient(`AE${n}`, n),
      visit: {
        visitNumber: `AEV${n}`,
        patientClass: "E",
        arrivalMode: "A",
        admitAt: "2014-07-02T09:00:00Z",
        ...(trigger === "A03" ? { dischargeAt: "2014-07-02T12:00:00Z", disposition: "03" } : {}),
      },
    });
  const cancel = (n: number) =>
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId: `cancel${++serial}`,
      trigger: "A11",
      messageTime: "2014-07-02T11:00:00Z",
      patient: syntheticPatient(`PL${n}`, n),
      visit: {
        visitNumber: `PLV${n}`,
        patientClass: "I",
        admissionType: "21",
        specialty: "300",
        site: "ZZA01001",
      },
    });
  // A place with some activity (another source's, and these visits), analysed: for a few rows, an index probe
  // is the cheaper plan.
  await place.db.exec(`
    INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
                                source_system, source_record_id, received_at)
      SELECT gen_random_uuid(), gen_random_uuid(), 'ZZA01', now(), 'emergency', 'inpatient', 'other-pas', 'S' || g, now()
      FROM generate_series(1, 5000) g;
    INSERT INTO ward_stay (person_id, ward_stay_id, spell_id, ward_code, ward_kind, started_at, source_system,
                           source_record_id, received_at)
      SELECT person_id, gen_random_uuid(), spell_id, 'W1', 'general', now(), 'other-pas', source_record_id, now()
      FROM hospital_spell WHERE source_system = 'other-pas';
    INSERT INTO ae_attendance (person_id, attendance_id, provider_code, arrived_at, source_system, source_record_id,
                               received_at)
      SELECT gen_random_uuid(), gen_random_uuid(), 'ZZA01', now(), 'other-pas', 'E' || g, now()
      FROM generate_series(1, 5000) g;
    INSERT INTO outpatient_attendance (person_id, attendance_id, provider_code, appointment_on, attendance,
                                       first_attendance, source_system, source_record_id, received_at)
      SELECT gen_random_uuid(), gen_random_uuid(), 'ZZA01', current_date, 'attended', true, 'other-pas', 'O' || g, now()
      FROM generate_series(1, 5000) g;`);
  for (let start = 0; start < 100; start += 50)
    await apply(
      place.db,
      Array.from({ length: 50 }, (_, i) => ae("A04", start + i)),
    );
  await place.db.exec("ANALYZE");
  const scans = () => seqScans(["hospital_spell", "ward_stay", "ae_attendance", "outpatient_attendance"]);
  const before = await scans();
  assert.equal(Object.keys(before).length, 4);
  // A&E departures (each visit's outpatient row, had it one, goes) and cancelled admissions (the spell and its
  // ward stays go), a few to a batch.
  for (let b = 0; b < 6; b++) {
    const outcomes = await apply(place.db, [ae("A03", 2 * b), ae("A03", 2 * b + 1), cancel(2 * b + 1)]);
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ["AA", "AA", "AA"],
    );
  }
  assert.deepEqual(await scans(), before);
  const spells = await place.db.query(
    "SELECT 1 FROM hospital_spell WHERE source_record_id = ANY($1::text[])",
    [Array.from({ length: 6 }, (_, b) => `PLV${2 * b + 1}`)],
  );
  assert.equal(spells.length, 0, "the cancelled admissions' spells are gone");
});

test("in a small place an ADT batch's read and its NHS Number routes probe by key: the MPI's links and people are not scanned whole", {
  skip: citusTest ? "Citus plans its own prepared statements (genericPlans is off there)" : false,
}, async () => {
  const known = (trigger: "A28" | "A01", n: number) =>
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId: `small${++serial}`,
      trigger,
      messageTime: "2014-07-02T10:00:00Z",
      patient: syntheticPatient(`SM${n}`, n, {
        nhsNumber: testNhsNumber(n),
        birthDate: `19${40 + (n % 50)}-0${1 + (n % 9)}-1${n % 10}`,
      }),
      visit:
        trigger === "A28"
          ? null
          : {
              visitNumber: `SMV${n}`,
              patientClass: "I",
              admissionType: "21",
              specialty: "300",
              site: "ZZA01001",
              ward: "AMU",
              admitAt: "2014-07-02T09:00:00Z",
            },
    });
  // A few hundred people, linked and analysed: left to its default costs, PostgreSQL planned the batch read's
  // look-ups of the MPI's links and people (and the NHS Number routes' write) as scans of the whole tables.
  for (let start = 0; start < 400; start += 100)
    await apply(
      place.db,
      Array.from({ length: 100 }, (_, i) => known("A28", start + i)),
    );
  await place.db.exec("ANALYZE");
  const scans = () => seqScans(["mpi_record_link", "person", "person_by_nhs_number"]);
  const before = await scans();
  assert.equal(Object.keys(before).length, 3);
  // Batches as the listener's: people it knows admitted, and people new to it.
  for (let b = 0; b < 6; b++) {
    const outcomes = await apply(place.db, [
      known("A01", 2 * b),
      known("A01", 2 * b + 1),
      known("A28", 1000 + b),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ["AA", "AA", "AA"],
    );
  }
  assert.deepEqual(await scans(), before);
  const [people] = await place.db.query<{ n: number }>(
    "SELECT count(DISTINCT person_id)::int AS n FROM mpi_record_link WHERE source_record_id LIKE 'SM%'",
  );
  assert.equal(people.n, 406, "each patient linked to a person of their own");
});

test("the MLLP listener analyses the tables its batches use once they have grown", {
  skip: citusTest ? "on a cluster the workers' autovacuum keeps the shards analysed" : false,
}, async () => {
  const tuples = async () =>
    (
      await place.db.query<{ n: number }>(
        "SELECT reltuples::int AS n FROM pg_class WHERE oid = 'ingest_message'::regclass",
      )
    )[0].n;
  const stored = async () =>
    (await place.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ingest_message"))[0].n;
  const server = await startMllpServer({
    db: place.db,
    port: 0,
    logger: createLogger({ level: "silent" }),
    sources: [loopbackSource("acute")],
  });
  try {
    const before = await tuples();
    const client = await MllpClient.connect(server.port);
    try {
      await Promise.all(Array.from({ length: 400 }, (_, i) => client.send(message("A28", 5000 + i))));
    } finally {
      await client.close();
    }
    // Analysed once it had grown by a fifth (and 8 pages): at least once with most of the 400 stored.
    const count = await stored();
    const grown = (n: number) => n >= before + 200 && n <= count;
    const deadline = Date.now() + 15_000;
    while (!grown(await tuples()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      grown(await tuples()),
      `ingest_message analysed: ${await tuples()} rows (${before} before, ${count} now)`,
    );
  } finally {
    await server.close();
  }
});
