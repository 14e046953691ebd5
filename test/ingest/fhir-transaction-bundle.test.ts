// A transaction Bundle whose entries all pass is stored in one database transaction with a fixed, small number
// of statements whatever its size (the MPI's, one upsert per canonical table, one script for the bookkeeping and
// the load row): what the FHIR API's write throughput rests on. What those statements leave must be what the
// statement-per-step path left: the practice a new Patient's facts are recorded under, the load row, an
// abandoned load settled.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { test } from "node:test";
import { loadFhirBundle } from "../../src/ingest/fhir/bundle.ts";
import type { Db, Queryable } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const ODS = "https://fhir.nhs.uk/Id/ods-organization-code";

function transaction(patientId: string, options: { practice?: string; birthDate: string }) {
  const entry: object[] = [
    {
      fullUrl: `urn:uuid:${patientId}`,
      resource: {
        resourceType: "Patient",
        identifier: [{ system: "urn:oneplace:test:mrn", value: patientId }],
        name: [{ family: `Quill${patientId.slice(0, 4)}`, given: ["Orla"] }],
        gender: "female",
        birthDate: options.birthDate,
        ...(options.practice
          ? { generalPractitioner: [{ identifier: { system: ODS, value: options.practice } }] }
          : {}),
      },
      request: { method: "POST", url: "Patient" },
    },
  ];
  for (let i = 0; i < 20; i++)
    entry.push({
      resource: {
        resourceType: "Observation",
        id: `${patientId}-o${i}`,
        status: "final",
        code: { coding: [{ system: "http://snomed.info/sct", code: "1003671000000109" }] },
        subject: { reference: `urn:uuid:${patientId}` },
        effectiveDateTime: `2024-0${1 + (i % 9)}-1${i % 10}`,
        valueQuantity: { value: 40 + i, unit: "mmol/mol" },
      },
      request: { method: "POST", url: "Observation" },
    });
  for (let i = 0; i < 5; i++)
    entry.push({
      resource: {
        resourceType: "Condition",
        id: `${patientId}-c${i}`,
        subject: { reference: `urn:uuid:${patientId}` },
        code: { coding: [{ system: "http://snomed.info/sct", code: ["44054006", "38341003"][i % 2] }] },
        recordedDate: `201${i}-03-04`,
      },
      request: { method: "POST", url: "Condition" },
    });
  return { resourceType: "Bundle", type: "transaction", entry };
}

/** The database handle, counting the statements (round trips) sent inside and outside transactions. */
function counting(inner: Db): { db: Db; inTransaction: string[]; outside: string[] } {
  const inTransaction: string[] = [];
  const outside: string[] = [];
  const wrap = (q: Queryable, log: string[]): Queryable => ({
    citus: q.citus,
    query: (sql, params) => {
      log.push(typeof sql === "string" ? sql : sql.text);
      return q.query(sql, params);
    },
    exec: (sql) => {
      log.push(sql);
      return q.exec(sql);
    },
    copyFrom: (table, columns, chunks, options) => {
      log.push(`COPY ${table}`);
      return q.copyFrom(table, columns, chunks, options);
    },
  });
  const counted: Db = {
    ...wrap(inner, outside),
    engine: inner.engine,
    location: inner.location,
    close: () => inner.close(),
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx, inTransaction))),
  };
  return { db: counted, inTransaction, outside };
}

const load = (on: Db, bundle: object) =>
  loadFhirBundle(on, bundle, JSON.stringify(bundle), "transaction", {
    source: "tx-epr",
    origin: "fhir-api:test",
  });

test("a passing transaction Bundle of 26 resources is stored in a fixed handful of statements", async () => {
  const { db: counted, inTransaction, outside } = counting(db);
  const result = await load(counted, transaction(randomUUID(), { birthDate: "1950-06-07" }));
  assert.equal(result.applied, true);
  assert.equal(result.entries.filter((e) => e.status === "stored").length, 26);
  // MPI: locks, the record's link, its candidates (and theirs, when any), its rows; the canonical upsert of
  // gp_entry; one script of subjects, held and reject bookkeeping and the load row. Was 18. On a Citus cluster
  // the MPI's writes go one statement each (store/writes.ts runWrites), four more. The golden records' NHS Number
  // routes (person_by_nhs_number): on Citus the people's numbers read before and after the golden write, one more;
  // on one server one statement after it (was the two reads and the routes' insert, 9).
  const most = db.citus ? 13 : 8;
  assert.ok(inTransaction.length <= most, `${inTransaction.length} statements:\n${inTransaction.join("\n")}`);
  // After the commit only the look-up of held resources the new Patient releases (the load's start settles
  // abandoned loads at most once a minute).
  assert.ok(outside.length <= 2, `${outside.length} statements:\n${outside.join("\n")}`);
  const patient = result.entries.find((e) => e.resourceType === "Patient");
  assert.match(patient?.personId ?? "", /^[0-9a-f-]{36}$/, "the Patient's person, as the MPI linked it");
});

test("a new Patient's facts are recorded under the practice the same Bundle registers them with, or none", async () => {
  await db.query(
    "INSERT INTO organisation (org_code, name, kind, source_system) VALUES ('Q12345', 'Quill Practice', 'practice', 'test') ON CONFLICT DO NOTHING",
  );
  const registered = randomUUID();
  const unregistered = randomUUID();
  for (const r of [
    await load(db, transaction(registered, { practice: "Q12345", birthDate: "1944-01-02" })),
    await load(db, transaction(unregistered, { birthDate: "1944-01-03" })),
  ])
    assert.equal(r.applied, true);
  const practices = await db.query<{ record: string; practices: string[] }>(
    `SELECT split_part(source_record_id, '-o', 1) AS record,
            array_agg(DISTINCT COALESCE(practice_code, '-')) AS practices
     FROM gp_entry WHERE source_system = 'tx-epr' AND source_record_id LIKE ANY($1::text[])
     GROUP BY 1`,
    [[`${registered}-o%`, `${unregistered}-o%`]],
  );
  const by = new Map(practices.map((p) => [p.record, p.practices]));
  assert.deepEqual(by.get(registered), ["Q12345"]);
  assert.deepEqual(by.get(unregistered), ["-"]);
});

test("a transaction's load row is written whole with it, and its first Bundle settles an abandoned load", async () => {
  const abandoned = randomUUID();
  await db.query(
    `INSERT INTO ingest_load (load_id, source_system, format, layout, origin, started_at, status, runner, heartbeat_at)
     VALUES ($1, 'gp', 'csv', 'gp-patients', 'x.csv', now(), 'running', $2, now())`,
    [abandoned, `${hostname()}#2147483646`],
  );
  // A handle of its own: the settling is once a minute per handle, and this test's is the first Bundle on it.
  const { db: fresh } = counting(db);
  const id = randomUUID();
  const result = await load(fresh, transaction(id, { birthDate: "1961-11-12" }));
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT l.status, l.layout, l.origin, l.records_read, l.loaded, l.duplicates, l.rejected, l.held,
            l.unsupported_by_type, l.finished_at IS NOT NULL AS finished, d.status AS data_status,
            d.rows_by_table, d.description
     FROM ingest_load l JOIN data_load d USING (load_id) WHERE load_id = $1`,
    [result.loadId],
  );
  assert.deepEqual(
    { ...row, rows_by_table: row.rows_by_table },
    {
      status: "succeeded",
      layout: "Bundle transaction",
      origin: "fhir-api:test",
      records_read: 26,
      loaded: 26,
      duplicates: 0,
      rejected: 0,
      held: 0,
      unsupported_by_type: {},
      finished: true,
      data_status: "succeeded",
      rows_by_table: { person_record: 1, gp_entry: 25 },
      description: "FHIR Bundle transaction from fhir-api:test",
    },
  );
  const [settled] = await db.query<{ status: string }>("SELECT status FROM ingest_load WHERE load_id = $1", [
    abandoned,
  ]);
  assert.equal(settled.status, "failed");

  // The same Bundle again changes nothing, and its load row says so.
  const again = await load(db, transaction(id, { birthDate: "1961-11-12" }));
  const [second] = await db.query<{ loaded: number; duplicates: number }>(
    "SELECT loaded, duplicates FROM ingest_load WHERE load_id = $1",
    [again.loadId],
  );
  assert.deepEqual({ ...second }, { loaded: 0, duplicates: 26 });
});
