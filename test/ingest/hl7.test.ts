// HL7v2 ADT end to end: the MLLP listener (framing, ACK after commit, concurrency, resends, disconnects),
// and what each event does to the canonical tables (out of order, cancellations, merges, rejects, replay).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { type AdtFields, buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { frame } from "../../src/ingest/hl7/mllp.ts";
import { addCodeMappings } from "../../src/ingest/hl7/remap.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, sendOne, syntheticPatient } from "./mllp-harness.ts";

let db: Db;
let server: MllpServer;

useTestDb({
  async setup(opened) {
    db = opened;
    await db.query(
      `INSERT INTO ingest_code_map VALUES ('acute-pas', 'ward-kind', 'AMU', 'assessment'), ('acute-pas', 'ward-kind', 'GEN1', 'general'),
       ('acute-pas', 'ward-kind', 'ECW1', 'elderly-care')`,
    );
    // One source on this machine, trusted for merges (mllp-security.test.ts covers the sources that are not).
    server = await startMllpServer({
      db,
      port: 0,
      logger: createLogger({ level: "silent" }),
      maxBatch: 16,
      sources: [loopbackSource("acute", { trustMerges: true })],
    });
  },
  teardown: () => server?.close(),
});

let serial = 0;
const patient = (n: number, extra: Partial<AdtFields["patient"]> = {}) =>
  syntheticPatient(`RH${String(n).padStart(6, "0")}`, n, extra);

function adt(
  trigger: string,
  p: AdtFields["patient"],
  visit: AdtFields["visit"],
  at: string,
  extra: Partial<AdtFields> = {},
): string {
  return buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: "ZZA01",
    controlId: `m${++serial}`,
    trigger,
    messageTime: at,
    patient: p,
    visit,
    ...extra,
  });
}

const inpatient = (visitNumber: string, more: Partial<NonNullable<AdtFields["visit"]>> = {}) => ({
  visitNumber,
  patientClass: "I",
  admissionType: "21",
  specialty: "300",
  site: "ZZA01001",
  ...more,
});

const send = (message: string) => sendOne(server.port, message);
/** The open rejects of one message, by its MSH-10: a reject's key is `controlId#hash`. */
const rejectsOf = async (controlId: string) =>
  (await listRejects(db, { sourceSystem: "acute-pas", status: "open" }))
    .filter((r) => r.originKey.startsWith(`${controlId}#`))
    .map((r) => r.reason);

test("four senders at once: every message is committed before its ACK, and all of them are applied; one refused among them takes only itself down, kept as its own reject", async () => {
  const clients = await Promise.all([0, 1, 2, 3].map(() => MllpClient.connect(server.port)));
  const seen: string[] = [];
  let refused = "";
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < 12; i++) {
        const n = 1000 + c * 100 + i;
        if (c === 2 && i === 6) {
          // Sent while the other senders' messages are being gathered into the same group commits.
          const bad = adt(
            "A01",
            patient(n, { nhsNumber: "9434765918" }),
            inpatient(`V${n}`, { ward: "AMU", admitAt: "2014-03-01T10:00:00Z" }),
            "2014-03-01T10:00:04Z",
          );
          const ack = readAck(parseMessage(await client.send(bad)));
          assert.equal(ack.code, "AE");
          refused = ack.controlId;
          continue;
        }
        const message = adt(
          "A01",
          patient(n),
          inpatient(`V${n}`, { ward: "AMU", admitAt: "2014-03-01T10:00:00Z" }),
          "2014-03-01T10:00:04Z",
        );
        const ack = readAck(parseMessage(await client.send(message)));
        assert.equal(ack.code, "AA");
        // Acknowledged means committed: it is already there for anyone to read.
        const rows = await db.query(
          "SELECT 1 FROM ingest_message WHERE control_id = $1 AND status = 'applied'",
          [ack.controlId],
        );
        assert.equal(rows.length, 1);
        seen.push(ack.controlId);
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  assert.equal(new Set(seen).size, 47);
  const spells = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM hospital_spell WHERE source_record_id LIKE 'V1%'",
  );
  assert.equal(Number(spells[0].n), 47);
  const rejects = (await listRejects(db, { sourceSystem: "acute-pas", status: "open" })).filter((r) =>
    r.originKey.startsWith(`${refused}#`),
  );
  assert.equal(rejects.length, 1);
  assert.match(rejects[0].reason, /Modulus 11/);
  // Its own payload, not another message's of its group.
  assert.match(String(rejects[0].payload), /V1206/);
});

test("four senders at once, some admitting new patients with no date of birth (PID-7): one with the NHS Number of someone known is linked to them and applied; those that cannot be attributed are refused alone, naming PID-7", async () => {
  // Someone already known, by the NHS Number the first message without a date of birth carries.
  const holder = await send(
    adt("A28", patient(3000, { nhsNumber: "9990001014" }), null, "2014-03-05T09:00:00Z"),
  );
  assert.equal(holder.code, "AA");
  const noBirthDate = { birthDate: null };
  // Sender 1: the known NHS Number; sender 2: none; sender 3: an NHS Number no one here holds.
  const special: Record<number, Partial<AdtFields["patient"]>> = {
    1: { ...noBirthDate, nhsNumber: "9990001014", family: "Family3000" },
    2: noBirthDate,
    3: { ...noBirthDate, nhsNumber: "9990001022" },
  };
  const clients = await Promise.all([0, 1, 2, 3].map(() => MllpClient.connect(server.port)));
  const acks = new Map<number, ReturnType<typeof readAck>>();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < 6; i++) {
        const n = 3100 + c * 10 + i;
        const extra = i === 3 ? (special[c] ?? {}) : {};
        const message = adt(
          "A01",
          patient(n, extra),
          inpatient(`V${n}`, { ward: "AMU", admitAt: "2014-03-05T10:00:00Z" }),
          "2014-03-05T10:00:04Z",
        );
        acks.set(n, readAck(parseMessage(await client.send(message))));
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  for (const [n, ack] of acks) {
    if (n === 3123 || n === 3133) continue;
    assert.equal(ack.code, "AA", `message for patient ${n}: ${ack.errorText}`);
  }
  // Attributed: stored, on the person holding the NHS Number, whose date of birth stays as it was.
  const [known] = await db.query<{ person_id: string; birth_date: string }>(
    "SELECT person_id::text AS person_id, birth_date::text AS birth_date FROM person WHERE nhs_number = '9990001014'",
  );
  const linkedSpells = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM hospital_spell WHERE source_record_id = 'V3113'",
  );
  assert.deepEqual(linkedSpells, [{ person_id: known.person_id }]);
  assert.equal(known.birth_date, "1940-02-03");
  const [decision] = await db.query<{ reason: string }>(
    "SELECT reason FROM mpi_decision WHERE source_record_id = 'RH003113'",
  );
  assert.match(decision.reason, /no date of birth/);
  // Not attributable: refused (AE, required field missing at PID-7) with a reason the sender can act on.
  for (const [n, why] of [
    [3123, /no NHS Number/],
    [3133, /no one here holds the NHS Number/],
  ] as const) {
    const ack = acks.get(n) as ReturnType<typeof readAck>;
    assert.equal(ack.code, "AE");
    assert.equal(ack.errorCode, "101");
    assert.match(ack.errorText, /^PID-7 \(date of birth\) is required/);
    assert.match(ack.errorText, why);
    const reasons = await rejectsOf(ack.controlId);
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /PID-7/);
  }
  const spells = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM hospital_spell WHERE source_record_id LIKE 'V31%'",
  );
  assert.equal(Number(spells[0].n), 22);
});

test("a message sent again (same control id) is acknowledged again and applied once", async () => {
  const p = patient(1);
  const message = adt(
    "A01",
    p,
    inpatient("VDUP", { ward: "AMU", admitAt: "2014-03-02T10:00:00Z" }),
    "2014-03-02T10:00:04Z",
  );
  const first = await send(message);
  const again = await send(message);
  assert.equal(first.code, "AA");
  assert.equal(again.code, "AA");
  assert.equal(again.controlId, first.controlId);
  const events = await db.query("SELECT 1 FROM adt_visit_event WHERE visit_number = 'VDUP'");
  assert.equal(events.length, 1);
  const stays = await db.query(
    "SELECT 1 FROM ward_stay ws JOIN hospital_spell hs USING (person_id, spell_id) WHERE hs.source_record_id = 'VDUP'",
  );
  assert.equal(stays.length, 1);
});

test("a sender that disconnects mid-frame changes nothing, and the listener carries on", async () => {
  const message = adt(
    "A01",
    patient(2),
    inpatient("VCUT", { ward: "AMU", admitAt: "2014-03-03T10:00:00Z" }),
    "2014-03-03T10:00:04Z",
  );
  const bytes = frame(message);
  await new Promise<void>((resolve) => {
    const socket = connect({ port: server.port, host: "127.0.0.1" }, () => {
      socket.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
        socket.destroy();
        resolve();
      });
    });
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await db.query("SELECT 1 FROM adt_visit_event WHERE visit_number = 'VCUT'")).length, 0);
  assert.equal((await send(message)).code, "AA");
  assert.equal((await db.query("SELECT 1 FROM adt_visit_event WHERE visit_number = 'VCUT'")).length, 1);
});

test("what cannot be accepted gets AR or AE with an ERR saying why, and is kept as a reject", async () => {
  const p = patient(3);
  const notAdt = adt("A01", p, null, "2014-03-04T10:00:00Z").replace("ADT^A01^ADT_A01", "ORU^R01^ORU_R01");
  const ar = await send(notAdt);
  assert.equal(ar.code, "AR");
  assert.equal(ar.errorCode, "200");
  const noDob = adt("A28", patient(4, { birthDate: null }), null, "2014-03-04T10:00:00Z");
  const ae = await send(noDob);
  assert.equal(ae.code, "AE");
  assert.equal(ae.errorCode, "101");
  assert.match(ae.errorText, /PID-7/);
  // The reject is found by its message's control id, the look-up the accepted messages below rely on.
  assert.equal((await rejectsOf(ae.controlId)).length, 1);
  const badNhs = adt("A28", patient(5, { nhsNumber: "9434765918" }), null, "2014-03-04T10:00:00Z");
  const ae2 = await send(badNhs);
  assert.equal(ae2.errorCode, "102");
  assert.match(ae2.errorText, /Modulus 11/);
  const dischargeFirst = adt(
    "A03",
    p,
    inpatient("VBAD", { dischargeAt: "2014-03-01T00:00:00Z", disposition: "1", destination: "19" }),
    "2014-03-05T10:00:00Z",
  );
  const admitLater = adt(
    "A01",
    p,
    inpatient("VBAD", { ward: "AMU", admitAt: "2014-03-02T00:00:00Z" }),
    "2014-03-04T10:00:00Z",
  );
  assert.equal((await send(dischargeFirst)).code, "AA"); // held: its admission has not arrived
  const late = await send(admitLater);
  assert.equal(late.code, "AE");
  assert.match(late.errorText, /before/);

  // Not HL7 at all, and not UTF-8.
  const client = await MllpClient.connect(server.port);
  assert.equal(readAck(parseMessage(await client.send("hello"))).code, "AR");
  const latin = Buffer.from(`${adt("A28", patient(6), null, "2014-03-04T10:00:00Z")}Z\xe9`, "latin1");
  const ackText = await new Promise<string>((resolve) => {
    const s = connect({ port: server.port }, () => s.write(frame(latin)));
    s.on("data", (d) => {
      resolve(d.toString("utf8").slice(1, -2));
      s.destroy();
    });
  });
  assert.equal(readAck(parseMessage(ackText)).code, "AR");
  await client.close();

  const rejects = await listRejects(db, { status: "open" });
  const reasons = rejects.map((r) => r.reason).join("\n");
  assert.match(reasons, /200 Unsupported message type/);
  assert.match(reasons, /PID-7 \(date of birth\) is required/);
  for (const r of rejects) assert.ok(r.payload.length > 0 && r.receivedAt);
  const stats = server.stats();
  assert.ok(stats.acked.AR >= 2 && stats.acked.AE >= 3);
});

test("an unknown ward code is stored as unmapped and acknowledged; mapping it corrects the ward stay", async () => {
  const p = patient(7);
  const ack = await send(
    adt(
      "A01",
      p,
      inpatient("VWARD", { ward: "NEWWARD", admitAt: "2014-04-01T10:00:00Z" }),
      "2014-04-01T10:00:04Z",
    ),
  );
  assert.equal(ack.code, "AA");
  assert.deepEqual(await rejectsOf(ack.controlId), []);
  const wardKinds = async () =>
    (
      await db.query<{ ward_kind: string }>(
        "SELECT ward_kind FROM ward_stay ws JOIN hospital_spell hs USING (person_id, spell_id) WHERE hs.source_record_id = 'VWARD'",
      )
    ).map((r) => r.ward_kind);
  assert.deepEqual(await wardKinds(), ["unmapped"]);
  const flagged = await db.query<{ occurrences: number }>(
    "SELECT occurrences FROM ingest_unmapped_code WHERE source_system = 'acute-pas' AND map_name = 'ward-kind' AND source_code = 'NEWWARD'",
  );
  assert.equal(Number(flagged[0]?.occurrences), 1);
  const mapped = await db.transaction((tx) =>
    addCodeMappings(tx, [
      { sourceSystem: "acute-pas", mapName: "ward-kind", sourceCode: "NEWWARD", targetCode: "surgical" },
    ]),
  );
  assert.deepEqual(mapped, { changed: 1, eventsCorrected: 1, visitsRewritten: 1, recordsCorrected: 0 });
  assert.deepEqual(await wardKinds(), ["surgical"]);
  // A mapping changed later re-decodes what was stored under the earlier one (no longer flagged).
  const remapped = await db.transaction((tx) =>
    addCodeMappings(tx, [
      { sourceSystem: "acute-pas", mapName: "ward-kind", sourceCode: "NEWWARD", targetCode: "stroke-unit" },
    ]),
  );
  assert.deepEqual(remapped, { changed: 1, eventsCorrected: 1, visitsRewritten: 1, recordsCorrected: 0 });
  assert.deepEqual(await wardKinds(), ["stroke-unit"]);
});

test("a discharge before its admission is held, then reconciled; cancellations undo what they cancel", async () => {
  const p = patient(8);
  const v = (more = {}) => inpatient("VOOO", { ward: "AMU", ...more });
  await send(
    adt(
      "A03",
      p,
      v({ dischargeAt: "2014-05-05T10:00:00Z", disposition: "1", destination: "19" }),
      "2014-05-05T10:00:04Z",
    ),
  );
  assert.equal((await db.query("SELECT 1 FROM hospital_spell WHERE source_record_id = 'VOOO'")).length, 0);
  await send(
    adt("A01", p, v({ admitAt: "2014-05-01T10:00:00Z", diagnosis: "I63.9" }), "2014-05-01T10:00:04Z"),
  );
  await send(
    adt("A02", p, inpatient("VOOO", { ward: "ECW1" }), "2014-05-02T10:00:06Z", {
      eventAt: "2014-05-02T10:00:00Z",
    }),
  );
  const spell = async () =>
    (
      await db.query<{
        discharged_at: Date | null;
        primary_diagnosis: string;
        discharge_destination: string | null;
      }>(
        "SELECT discharged_at, primary_diagnosis, discharge_destination FROM hospital_spell WHERE source_record_id = 'VOOO'",
      )
    )[0];
  const wards = async () =>
    (
      await db.query<{ ward_code: string; ended_at: Date | null }>(
        `SELECT ward_code, ended_at FROM ward_stay ws JOIN hospital_spell hs USING (person_id, spell_id)
       WHERE hs.source_record_id = 'VOOO' ORDER BY ws.started_at`,
      )
    ).map((w) => `${w.ward_code}:${w.ended_at?.toISOString() ?? "open"}`);
  assert.equal((await spell()).discharged_at?.toISOString(), "2014-05-05T10:00:00.000Z");
  assert.equal((await spell()).primary_diagnosis, "I63.9");
  assert.deepEqual(await wards(), ["AMU:2014-05-02T10:00:00.000Z", "ECW1:2014-05-05T10:00:00.000Z"]);

  await send(adt("A13", p, inpatient("VOOO"), "2014-05-05T11:00:00Z"));
  assert.equal((await spell()).discharged_at, null);
  assert.deepEqual(await wards(), ["AMU:2014-05-02T10:00:00.000Z", "ECW1:open"]);
  await send(adt("A12", p, inpatient("VOOO"), "2014-05-05T11:01:00Z"));
  assert.deepEqual(await wards(), ["AMU:open"]);
  await send(adt("A11", p, inpatient("VOOO"), "2014-05-05T11:02:00Z"));
  assert.equal(await spell(), undefined);
  assert.deepEqual(await wards(), []);
});

test("an A&E attendance from A04 and A03; A08 corrects the person", async () => {
  const p = patient(9);
  const ae = { visitNumber: "VAE1", patientClass: "E", arrivalMode: "A" };
  await send(adt("A04", p, { ...ae, admitAt: "2014-06-01T10:00:00Z" }, "2014-06-01T10:00:05Z"));
  await send(
    adt("A03", p, { ...ae, dischargeAt: "2014-06-01T13:00:00Z", disposition: "03" }, "2014-06-01T13:00:05Z"),
  );
  const rows = await db.query<{ arrival_mode: string; disposal: string; departed_at: Date }>(
    "SELECT arrival_mode, disposal, departed_at FROM ae_attendance WHERE source_record_id = 'VAE1'",
  );
  assert.deepEqual(
    rows.map((r) => [r.arrival_mode, r.disposal, r.departed_at.toISOString()]),
    [["ambulance", "discharged", "2014-06-01T13:00:00.000Z"]],
  );
  await send(adt("A08", { ...p, postcode: "RM18 4VA" }, null, "2014-06-02T10:00:00Z"));
  const record = await db.query<{ postcode: string }>(
    "SELECT postcode FROM person_record WHERE source_record_id = $1",
    [p.recordId],
  );
  assert.equal(record[0].postcode, "RM18 4VA");
});

test("A40 merges the prior patient into the surviving one, with their rows, and records who decided", async () => {
  const survivor = patient(10, { family: "Merged", given: "Alice", birthDate: "1930-01-01" });
  const prior = patient(11, { family: "Mergd", given: "Alicia", birthDate: "1931-01-01" });
  await send(
    adt(
      "A01",
      prior,
      inpatient("VMRG", { ward: "AMU", admitAt: "2014-07-01T10:00:00Z" }),
      "2014-07-01T10:00:04Z",
    ),
  );
  await send(adt("A28", survivor, null, "2014-07-02T10:00:00Z"));
  const personOf = async (id: string) =>
    (
      await db.query<{ person_id: string }>(
        "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_record_id = $1",
        [id],
      )
    )[0].person_id;
  const before = [await personOf(survivor.recordId), await personOf(prior.recordId)];
  assert.notEqual(before[0], before[1]);
  const ack = await send(adt("A40", survivor, null, "2014-07-03T10:00:00Z", { priorIds: [prior.recordId] }));
  assert.equal(ack.code, "AA");
  assert.equal(await personOf(prior.recordId), before[0]);
  const spell = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM hospital_spell WHERE source_record_id = 'VMRG'",
  );
  assert.equal(spell[0].person_id, before[0]);
  assert.equal((await db.query("SELECT 1 FROM person WHERE person_id = $1", [before[1]])).length, 0);
  const decisions = await db.query<{ decided_by: string }>(
    "SELECT decided_by FROM mpi_decision WHERE kind = 'merge' AND to_person_id = $1",
    [before[0]],
  );
  assert.match(decisions[0].decided_by, /^hl7:acute-pas:m\d+$/);
});
