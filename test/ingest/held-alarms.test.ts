// Held too long: an ADT visit whose opening event never came (a discharge without its admission) is held,
// and once it has waited longer than the alarm threshold feed health counts it overdue and `heldAlarms` lists
// it, with what it waits for; the admission arriving releases it and the alarm goes. Through the MLLP listener.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { feedHealth, HELD_ALARM_HOURS, heldAlarms } from "../../src/ingest/index.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { createLogger } from "../../src/platform/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, sendOne, syntheticPatient } from "./mllp-harness.ts";

let server: MllpServer;
const place = useTestDb({
  async setup(db) {
    server = await startMllpServer({
      db,
      port: 0,
      logger: createLogger({ level: "silent" }),
      sources: [loopbackSource("trust")],
    });
  },
  teardown: () => server?.close(),
});

const visit = {
  visitNumber: "HOLD-V1",
  patientClass: "I",
  ward: "W1",
  admissionType: "21",
  specialty: "300",
  admitAt: "2014-07-01T09:00:00Z",
  dischargeAt: "2014-07-03T12:00:00Z",
  disposition: "1",
  destination: "19",
};
const adt = (controlId: string, trigger: string, messageTime: string) =>
  buildAdt({
    sendingApplication: "hold-pas",
    sendingFacility: "ZZA01",
    controlId,
    trigger,
    messageTime,
    patient: syntheticPatient("HOLD1", 1),
    visit,
  });

test("a visit held longer than the threshold is counted overdue and listed; its admission clears the alarm", async () => {
  const db = place.db;
  assert.equal((await sendOne(server.port, adt("h2", "A03", "2014-07-03T12:00:00Z"))).code, "AA");
  const later = new Date(Date.now() + (HELD_ALARM_HOURS + 1) * 3_600_000);

  const now = (await feedHealth(db)).find((f) => f.sourceSystem === "hold-pas");
  assert.equal(now?.heldVisits, 1);
  assert.equal(now?.heldOverdue, 0, "held for a moment is not yet an alarm");
  assert.deepEqual(await heldAlarms(db), []);

  const overdue = (await feedHealth(db, { now: later })).find((f) => f.sourceSystem === "hold-pas");
  assert.equal(overdue?.heldOverdue, 1);
  assert.ok(overdue?.oldestHeldAt && overdue.oldestHeldAt <= new Date().toISOString());
  const alarms = await heldAlarms(db, { now: later });
  assert.equal(alarms.length, 1);
  assert.equal(alarms[0].kind, "adt-visit");
  assert.equal(alarms[0].key, "HOLD-V1");
  assert.match(alarms[0].waitingFor, /A01 admission/);
  assert.match(alarms[0].waitingFor, /it has A03/);
  assert.equal((await heldAlarms(db, { now: later, hours: HELD_ALARM_HOURS + 2 })).length, 0);

  // The admission arrives: the visit is shown, nothing is held, no alarm.
  assert.equal((await sendOne(server.port, adt("h1", "A01", "2014-07-01T09:00:00Z"))).code, "AA");
  const after = (await feedHealth(db, { now: later })).find((f) => f.sourceSystem === "hold-pas");
  assert.equal(after?.heldVisits, 0);
  assert.equal(after?.heldOverdue, 0);
  assert.deepEqual(await heldAlarms(db, { now: later }), []);
});
