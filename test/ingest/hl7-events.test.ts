// ADT events English feeds send beyond admissions, transfers and discharges, written by hand as a PAS sends
// them (v2.4, local times with their offset), through the MLLP listener: outpatient A04/A03 become an
// outpatient attendance (no longer held for ever), A07 turns an admission into an outpatient visit, A21/A22
// leave of absence leave the spell running, A05 pre-admission waits for its admission without being held.
import assert from "node:assert/strict";
import { test } from "node:test";
import { feedHealth, heldAlarms } from "../../src/ingest/index.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { createLogger } from "../../src/platform/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, sendOne } from "./mllp-harness.ts";

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

let serial = 0;
/** A message: MSH, EVN, PID of patient `id`, and PV1 with the given fields (by position). */
function adt(event: string, id: string, pv1: Record<number, string>, at = "20140601100000+0100"): string {
  const fields: string[] = ["PV1", "1"];
  for (const [n, v] of Object.entries(pv1)) fields[Number(n)] = v;
  return [
    `MSH|^~\\&|EVENTS-PAS|RX1|ONEPLACE|ONEPLACE|${at}||ADT^${event}|ev${++serial}|P|2.4|||AL|NE|GBR`,
    `EVN|${event}|${at}`,
    `PID|1||${id}^^^RX1^MR||PATIENT^ANN||19500101|F`,
    Array.from(fields, (f) => f ?? "").join("|"),
  ].join("\r");
}

const rows = <T extends Record<string, unknown>>(sql: string, params: unknown[]) =>
  place.db.query<T>(sql, params);
const outpatients = (visit: string) =>
  rows<{
    appointment_on: string | Date;
    attendance: string;
    specialty_code: string | null;
    first_attendance: boolean;
  }>(
    "SELECT appointment_on::text AS appointment_on, attendance, specialty_code, first_attendance FROM outpatient_attendance WHERE source_system = 'events-pas' AND source_record_id = $1",
    [visit],
  );
const spells = (visit: string) =>
  rows<{ discharged_at: Date | null }>(
    "SELECT discharged_at FROM hospital_spell WHERE source_system = 'events-pas' AND source_record_id = $1",
    [visit],
  );
const status = async (controlId: string) =>
  (
    await rows<{ status: string }>(
      "SELECT status FROM ingest_message WHERE source_system = 'events-pas' AND control_id = $1",
      [controlId],
    )
  )[0]?.status;

test("outpatient A04 then A03: one outpatient attendance on the clinic's day in England, not held; the same messages again change nothing", async () => {
  // 23:30 UTC on 1 June is 00:30 on 2 June in London: the clinic day is the 2nd.
  const arrive = adt("A04", "RX50000001", {
    2: "O",
    3: "CLINIC1^^^RX1",
    10: "300",
    19: "OP-1",
    44: "20140601233000+0000",
  });
  const leave = adt("A03", "RX50000001", {
    2: "O",
    3: "CLINIC1^^^RX1",
    10: "300",
    19: "OP-1",
    44: "20140601233000+0000",
    45: "20140602010000+0100",
  });
  for (const m of [arrive, leave, arrive, leave]) assert.equal((await sendOne(server.port, m)).code, "AA");
  assert.deepEqual(await outpatients("OP-1"), [
    { appointment_on: "2014-06-02", attendance: "attended", specialty_code: "300", first_attendance: false },
  ]);
  const health = (await feedHealth(place.db)).find((f) => f.sourceSystem === "events-pas");
  assert.equal(health?.heldVisits, 0, "an outpatient visit is shown, not held");
  assert.deepEqual(await heldAlarms(place.db, { hours: -1 }), []);
});

test("A07 turns an admission into an outpatient visit: the spell goes, the attendance is there; A06 turns it back", async () => {
  const admit = adt("A01", "RX50000002", {
    2: "I",
    3: "WARD7^^^RX1",
    4: "21",
    10: "300",
    19: "IP-7",
    44: "20140601090000+0100",
  });
  assert.equal((await sendOne(server.port, admit)).code, "AA");
  assert.equal((await spells("IP-7")).length, 1);
  const toOutpatient = adt(
    "A07",
    "RX50000002",
    { 2: "O", 3: "CLINIC1^^^RX1", 10: "300", 19: "IP-7", 44: "20140601090000+0100" },
    "20140601110000+0100",
  );
  const ack = await sendOne(server.port, toOutpatient);
  assert.equal(ack.code, "AA");
  assert.equal(await status(ack.controlId), "applied", "A07 is applied, not counted as unsupported");
  assert.equal((await spells("IP-7")).length, 0);
  const stays = await rows<{ n: number }>(
    "SELECT count(*) AS n FROM ward_stay w JOIN hospital_spell h USING (person_id, spell_id) WHERE h.source_record_id = 'IP-7'",
    [],
  );
  assert.equal(Number(stays[0].n), 0);
  assert.equal((await outpatients("IP-7")).length, 1);

  const backIn = adt(
    "A06",
    "RX50000002",
    { 2: "I", 3: "WARD7^^^RX1", 4: "21", 10: "300", 19: "IP-7", 44: "20140601120000+0100" },
    "20140601120000+0100",
  );
  assert.equal((await sendOne(server.port, backIn)).code, "AA");
  assert.equal((await spells("IP-7")).length, 1);
  assert.equal(
    (await outpatients("IP-7")).length,
    0,
    "the outpatient attendance goes when it is an admission",
  );
});

test("A21/A22 leave of absence: applied, the spell runs on undischarged; A05 pre-admission is kept, not held", async () => {
  const inpatient = { 2: "I", 3: "WARD8^^^RX1", 4: "11", 10: "300", 19: "IP-8", 44: "20140601090000+0100" };
  assert.equal((await sendOne(server.port, adt("A01", "RX50000003", inpatient))).code, "AA");
  for (const [event, at] of [
    ["A21", "20140602090000+0100"],
    ["A22", "20140602180000+0100"],
  ]) {
    const ack = await sendOne(server.port, adt(event, "RX50000003", inpatient, at));
    assert.equal(ack.code, "AA");
    assert.equal(await status(ack.controlId), "applied");
  }
  const spell = await spells("IP-8");
  assert.equal(spell.length, 1);
  assert.equal(spell[0].discharged_at, null, "leave of absence is not a discharge");

  const preAdmit = adt("A05", "RX50000004", { 2: "P", 3: "WARD8^^^RX1", 4: "11", 19: "IP-9" });
  const ack = await sendOne(server.port, preAdmit);
  assert.equal(ack.code, "AA");
  assert.equal(await status(ack.controlId), "applied");
  assert.equal((await spells("IP-9")).length, 0);
  const health = (await feedHealth(place.db)).find((f) => f.sourceSystem === "events-pas");
  assert.equal(health?.heldVisits, 0, "a pre-admission waits for its admission without being held");
});

test("an A08 whose visit fields cannot be read updates the person, and its visit part is kept as a reject saying why", async () => {
  const message = adt("A08", "EV-A08", { 2: "I", 19: "V-A08", 44: "not-a-time" });
  for (let i = 0; i < 2; i++) assert.equal((await sendOne(server.port, message)).code, "AA");
  const linked = await rows(
    "SELECT 1 FROM mpi_record_link WHERE source_system = 'events-pas' AND source_record_id = 'EV-A08'",
    [],
  );
  assert.equal(linked.length, 1, "the person part is applied");
  const kept = (await listRejects(place.db, { sourceSystem: "events-pas", status: "open" })).filter((r) =>
    r.payload.includes("V-A08"),
  );
  assert.equal(kept.length, 1, "one reject for the visit part, however often the message comes");
  assert.match(kept[0].reason, /the patient's details were updated, the visit was not: .*PV1-44/);
  assert.equal(kept[0].location, "PV1-44");
});
