// The listener's lanes on a server overlap their batches (store/pipelined-commit.ts): the next batch is read
// while the last commits. Every ACK still follows its own commit, one patient's events still apply in order
// (a sender keeping several in flight), and a batch after one that failed is written again after it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { type AdtFields, buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db, PreparedStatement, Queryable, Row } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, syntheticPatient } from "./mllp-harness.ts";

let db: Db;
let server: MllpServer;
/** Transactions running at once (inside their callbacks), at most. */
let mostAtOnce = 0;
/**
 * On a server, until two transactions have been seen at once, one that ends alone waits (up to HOLD_MS) for another
 * to begin before it commits: whether the next batch is read while the last commits must not depend on how busy
 * the machine is, only on whether the lanes let it.
 */
let awaitOverlap = false;
let anotherBegan: (() => void) | null = null;
const HOLD_MS = 500;
/** Makes the next batch's first write naming this NHS Number fail once (after the batch let the next one begin). */
let failOnce: string | null = null;
let failed = 0;

/** The database as the listener sees it, counting transactions at once and failing one statement when told. */
function watched(inner: Db): Db {
  let atOnce = 0;
  const wrapped: Db = Object.create(inner);
  wrapped.transaction = (fn) =>
    inner.transaction(async (tx) => {
      atOnce++;
      mostAtOnce = Math.max(mostAtOnce, atOnce);
      if (atOnce > 1) anotherBegan?.();
      try {
        const failing: Queryable = Object.create(tx);
        // The MPI's rows are the batch's first write naming the number: on a server deferred (to its COMMIT),
        // on PGlite run at once.
        const fails = (sql: string | PreparedStatement, params?: readonly unknown[]) => {
          const name = typeof sql === "string" ? "" : sql.name;
          if (!failOnce || !name.startsWith("writes.") || !JSON.stringify(params).includes(failOnce))
            return false;
          failOnce = null;
          failed++;
          return true;
        };
        failing.query = <T extends Row = Row>(
          sql: string | PreparedStatement,
          params?: readonly unknown[],
        ) => (fails(sql, params) ? Promise.reject(new Error("injected failure")) : tx.query<T>(sql, params));
        if (tx.defer) {
          const defer = tx.defer.bind(tx);
          failing.defer = (sql, params) =>
            fails(sql, params) ? Promise.reject(new Error("injected failure")) : defer(sql, params);
        }
        const result = await fn(failing);
        if (awaitOverlap && inner.engine !== "pglite" && mostAtOnce < 2) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, HOLD_MS);
            anotherBegan = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          anotherBegan = null;
        }
        return result;
      } finally {
        atOnce--;
      }
    });
  return wrapped;
}

useTestDb({
  async setup(opened) {
    db = opened;
    await db.query(
      `INSERT INTO ingest_code_map VALUES ('acute-pas', 'ward-kind', 'AMU', 'assessment'), ('acute-pas', 'ward-kind', 'GEN1', 'general')`,
    );
    server = await startMllpServer({
      db: watched(db),
      port: 0,
      logger: createLogger({ level: "silent" }),
      sources: [loopbackSource("acute")],
      overlap: true,
      // One lane, so that two transactions at once can only be a batch begun while the last commits.
      lanes: 1,
    });
  },
  teardown: () => server?.close(),
});

let serial = 0;
const patient = (n: number, extra: Partial<AdtFields["patient"]> = {}) =>
  syntheticPatient(`RP${String(n).padStart(6, "0")}`, n, extra);
const adt = (
  trigger: string,
  n: number,
  visit: AdtFields["visit"],
  at: string,
  extra: Partial<AdtFields["patient"]> = {},
  more: Partial<AdtFields> = {},
) =>
  buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: "ZZA01",
    controlId: `p${++serial}`,
    trigger,
    messageTime: at,
    patient: patient(n, extra),
    visit,
    ...more,
  });
const inpatient = (n: number, more: Partial<NonNullable<AdtFields["visit"]>> = {}) => ({
  visitNumber: `VP${n}`,
  patientClass: "I",
  admissionType: "21",
  specialty: "300",
  site: "ZZA01001",
  ...more,
});
/** A patient's stay: admitted to AMU, moved to GEN1, discharged. */
const stay = (n: number, extra: Partial<AdtFields["patient"]> = {}) => [
  adt(
    "A01",
    n,
    inpatient(n, { ward: "AMU", admitAt: "2014-04-01T10:00:00Z" }),
    "2014-04-01T10:00:04Z",
    extra,
  ),
  adt("A02", n, inpatient(n, { ward: "GEN1" }), "2014-04-02T09:00:04Z", extra, {
    eventAt: "2014-04-02T09:00:00Z",
  }),
  adt(
    "A03",
    n,
    inpatient(n, { ward: "GEN1", dischargeAt: "2014-04-05T12:00:00Z", disposition: "1", destination: "19" }),
    "2014-04-05T12:00:04Z",
    extra,
  ),
];

/** Sends every message at once on one connection (each ACK read in order) and returns the ACK codes. */
async function window(client: MllpClient, messages: string[]): Promise<string[]> {
  const acks = await Promise.all(messages.map((m) => client.send(m)));
  return acks.map((a) => readAck(parseMessage(a)).code);
}

/** How many of these patients' spells are discharged with their two ward stays. */
async function dischargedWithTwoWards(patients: readonly number[]): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM hospital_spell s
     WHERE s.source_record_id = ANY($1::text[]) AND s.discharged_at IS NOT NULL
       AND (SELECT count(*) FROM ward_stay w WHERE w.person_id = s.person_id AND w.spell_id = s.spell_id) = 2`,
    [patients.map((n) => `VP${n}`)],
  );
  return rows[0].n;
}
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

test("four senders, one keeping its patients' stays in flight: every event applied in order, each ACK after its commit; on a server the next batch overlaps the last", async (t) => {
  mostAtOnce = 0;
  awaitOverlap = true;
  t.after(() => {
    awaitOverlap = false; // also when the test fails midway, so the next test commits without waiting
  });
  const clients = await Promise.all([0, 1, 2, 3].map(() => MllpClient.connect(server.port)));
  const codes: string[] = [];
  await Promise.all([
    // Three senders each waiting for its ACK before the next message.
    ...[1, 2, 3].map(async (c) => {
      for (let i = 0; i < 5; i++) {
        for (const m of stay(c * 1000 + i)) {
          const ack = readAck(parseMessage(await clients[c].send(m)));
          codes.push(ack.code);
          const stored = await db.query("SELECT 1 FROM ingest_message WHERE control_id = $1", [
            ack.controlId,
          ]);
          assert.equal(stored.length, 1, "acknowledged before it was committed");
        }
      }
    }),
    // One sender with every message of its five patients in flight at once, a patient's events in order.
    (async () => {
      for (let i = 0; i < 5; i++) codes.push(...(await window(clients[0], stay(i))));
    })(),
  ]);
  await Promise.all(clients.map((c) => c.close()));
  awaitOverlap = false;
  assert.deepEqual(new Set(codes), new Set(["AA"]));
  assert.equal(codes.length, 60);
  assert.equal(await dischargedWithTwoWards(range(0, 5)), 5);
  assert.equal(await dischargedWithTwoWards([1, 2, 3].flatMap((c) => range(c * 1000, 5))), 15);
  // The embedded engine runs one transaction at a time; a server two a lane, the next read while the last commits.
  assert.equal(mostAtOnce, db.engine === "pglite" ? 1 : 2);
});

test("a batch that fails after letting the next begin is applied message by message, and the next is written again after it", async () => {
  failOnce = "9434765919";
  failed = 0;
  const clients = await Promise.all([0, 1, 2, 3].map(() => MllpClient.connect(server.port)));
  const codes = await Promise.all(
    clients.map(async (client, c) => {
      const out: string[] = [];
      for (let i = 0; i < 4; i++) {
        const n = 5000 + c * 10 + i;
        // Sender 0's second patient, new and with an NHS Number, makes its batch's MPI write fail once.
        const extra = c === 0 && i === 1 ? { nhsNumber: "9434765919" } : {};
        out.push(...(await window(client, stay(n, extra))));
      }
      return out;
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  assert.equal(failed, 1);
  assert.deepEqual(new Set(codes.flat()), new Set(["AA"]));
  assert.equal(await dischargedWithTwoWards([0, 1, 2, 3].flatMap((c) => range(5000 + c * 10, 4))), 16);
  const [person] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM person WHERE nhs_number = '9434765919'",
  );
  assert.equal(person.n, 1);
});
