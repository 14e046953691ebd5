// What an ACK waits for: the statements of an ADT batch that links new patients. On a server each statement
// whose result the batch reads is a round trip, and every write goes with the COMMIT (deferred); the MPI's
// golden records and their NHS Number routes are writes too. On PGlite every statement runs on its own, so the
// count of statements is what is bounded there; on Citus the routes are kept by the numbers read before and after.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { applyHl7Batch } from "../../src/ingest/hl7/many.ts";
import type { Db, Queryable } from "../../src/store/index.ts";
import { testNhsNumber } from "../helpers/nhs-numbers.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { syntheticPatient } from "./mllp-harness.ts";

/** One connection, so the statements the batch prepares are parsed on the connection the counted batch runs on. */
const place = useTestDb({ poolSize: 1 });

let serial = 0;
/** An emergency admission of a patient nobody here has seen: a new person, with an NHS Number. */
const admission = (n: number) =>
  buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: "ZZA01",
    controlId: `rt${++serial}`,
    trigger: "A01",
    messageTime: "2015-03-02T10:00:00Z",
    patient: syntheticPatient(`RT${n}`, n, {
      nhsNumber: testNhsNumber(n),
      birthDate: `19${String(30 + (n % 60)).padStart(2, "0")}-0${1 + (n % 9)}-1${n % 10}`,
    }),
    visit: {
      visitNumber: `RTV${n}`,
      patientClass: "I",
      admissionType: "21",
      specialty: "300",
      site: "ZZA01001",
      ward: "AMU",
      admitAt: "2015-03-02T09:00:00Z",
    },
  });

/**
 * The database handle with its transactions' statements counted: `sent`, those run at once (on a server a round
 * trip each, carrying any deferred before them), and `deferred`, those that wait for the next (or the COMMIT).
 */
function counting(inner: Db): { db: Db; sent: string[]; deferred: string[] } {
  const sent: string[] = [];
  const deferred: string[] = [];
  const wrap = (q: Queryable): Queryable => ({
    citus: q.citus,
    query: (sql, params) => {
      sent.push(typeof sql === "string" ? sql : sql.name);
      return q.query(sql, params);
    },
    exec: (sql) => {
      sent.push(sql);
      return q.exec(sql);
    },
    copyFrom: (table, columns, chunks, options) => {
      sent.push(`COPY ${table}`);
      return q.copyFrom(table, columns, chunks, options);
    },
    ...(q.defer
      ? {
          defer: (sql, params) => {
            deferred.push(typeof sql === "string" ? sql : sql.name);
            return q.defer?.(sql, params) ?? Promise.resolve();
          },
        }
      : {}),
  });
  const counted: Db = {
    ...inner,
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
  };
  return { db: counted, sent, deferred };
}

const apply = (db: Db, messages: string[]) =>
  applyHl7Batch(
    db,
    messages.map((raw) => ({ raw, ctx: { origin: "test" } })),
  );

test("a batch admitting new patients reads once before its COMMIT, its MPI writes and routes going with it", async () => {
  // The first batch on the connection parses its statements; the second is the one every later batch is.
  await apply(place.db, [1, 2, 3, 4].map(admission));
  const { db, sent, deferred } = counting(place.db);
  const outcomes = await apply(db, [5, 6, 7, 8].map(admission));
  assert.deepEqual(
    outcomes.map((o) => `${o.code} ${o.applied}`),
    ["AA true", "AA true", "AA true", "AA true"],
  );
  const list = `sent:\n${sent.join("\n")}\ndeferred:\n${deferred.join("\n")}`;
  if (place.db.citus) {
    // Citus (as before): the MPI reads on its own, the routes kept by the numbers read before and after (sharded
    // on the number), and each deferred write runs as it comes.
    assert.ok(sent.length <= 6, `${sent.length} statements ${list}`);
  } else if (place.db.engine === "postgres") {
    // The batch's read (with BEGIN and its locks), which reads the numbers' holders and candidates for the MPI;
    // the rest (link rows, golden records, identifiers, NHS Number routes, the batch's rows) with the COMMIT.
    // Was 5: the MPI's read, the people's numbers read before and after the golden write, the routes' insert.
    assert.deepEqual(sent, ["hl7.read-batch-nhs"], list);
    assert.ok(deferred.includes("store.nhs-number-routes-sync"), list);
  } else {
    // PGlite runs every statement on its own: the routes are one statement after the golden write. Was 10.
    assert.ok(sent.length <= 7, `${sent.length} statements ${list}`);
  }
  // The routes are what person says for the batch's new people (apart: on Citus the two are not co-located).
  const numbers = [[5, 6, 7, 8].map(testNhsNumber)];
  const pairs = async (table: string) =>
    (
      await place.db.query<{ pair: string }>(
        `SELECT nhs_number || ' ' || person_id AS pair FROM ${table} WHERE nhs_number = ANY($1::text[])`,
        numbers,
      )
    )
      .map((r) => r.pair)
      .sort();
  const held = await pairs("person");
  assert.equal(held.length, 4);
  assert.deepEqual(await pairs("person_by_nhs_number"), held);
});
