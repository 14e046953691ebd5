// ADT events that change who a source's records are about, written as English PAS feeds send them (v2.4,
// PID-3 with the local number and the NHS Number, EVN-6, local times with their offset, MRG for the prior
// patient): A47 (change patient identifier, also for a feed whose only identifier is the NHS Number), A45 (move
// visit information, at once when the MPI can confirm the patient it moves onto, else on the identity review
// queue), A17 (swap patients) and A29 (delete person information: only what that source said).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  applyHl7Batch,
  applyReviewedEvent,
  type FeedHealth,
  feedHealth,
  heldAlarms,
  loadHl7File,
} from "../../src/ingest/index.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { decideReview, listReview, relinkRecord, unmerge } from "../../src/mpi/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, sendOne } from "./mllp-harness.ts";

let server: MllpServer;
const place = useTestDb({
  async setup(db) {
    server = await startMllpServer({
      db,
      port: 0,
      logger: createLogger({ level: "silent" }),
      sources: [loopbackSource("untrusted")],
    });
  },
  teardown: () => server?.close(),
});

let serial = 0;
const AT = "20140601100000+0100";

/** PID-3 as English feeds send it: the local number and, when known, the NHS Number. */
const pid3 = (local: string | null, nhs?: string) =>
  [local ? `${local}^^^RX1^MR` : null, nhs ? `${nhs}^^^NHS^NH` : null].filter(Boolean).join("~");
/** Each patient (by PID-3) a family name and date of birth of their own, so no two are taken for one person. */
const births = new Map<string, string>();
/** Records that are the same patient in two sources (the same demographics). */
const alias = new Map<string, string>();
const keyOf = (id: string) => {
  const local = id.split("^")[0];
  return alias.get(local) ?? local;
};
function birthOf(pid3Value: string): string {
  const id = keyOf(pid3Value);
  if (!births.has(id))
    births.set(
      id,
      new Date(Date.UTC(1940, 0, 1 + 97 * births.size)).toISOString().slice(0, 10).replaceAll("-", ""),
    );
  return births.get(id) as string;
}
const familyOf = (id: string) => `FAM${keyOf(id).replace(/\d/g, (d) => "ABCDEFGHIJ"[Number(d)])}`;
const pid = (id: string, family = familyOf(id), n = 1) => `PID|${n}||${id}||${family}^ANN||${birthOf(id)}|F`;
function pv1(fields: Record<number, string>): string {
  const f: string[] = ["PV1", "1"];
  for (const [n, v] of Object.entries(fields)) f[Number(n)] = v;
  return Array.from(f, (x) => x ?? "").join("|");
}
/** Each message a minute after the one before (from 10:00 on 1 June 2014, London time), as a PAS sends them. */
function nextTime(): string {
  const t = new Date(Date.UTC(2014, 5, 1, 9, serial + 1));
  return `${t.toISOString().slice(0, 16).replace(/[-T:]/g, "")}00+0000`;
}
function message(event: string, segments: string[], at = nextTime(), app = "IDPAS"): string {
  return [
    `MSH|^~\\&|${app}|RX1|ONEPLACE|ONEPLACE|${at}||ADT^${event}|id${++serial}|P|2.4|||AL|NE|GBR`,
    `EVN|${event}|${at}||||${at}`,
    ...segments,
  ].join("\r");
}
const admit = (id: string, visit: string, ward: string, app = "IDPAS") =>
  message(
    "A01",
    [pid(id), pv1({ 2: "I", 3: `${ward}^BAY1^BED1^RX1`, 4: "21", 10: "300", 19: visit, 44: AT })],
    undefined,
    app,
  );
const register = (id: string, app = "IDPAS", family = familyOf(id)) =>
  message("A28", [pid(id, family)], "20140501100000+0100", app);

async function apply(raws: string[], merges: "apply" | "review" = "apply") {
  return applyHl7Batch(
    place.db,
    raws.map((raw) => ({ raw, ctx: { origin: "identity-test", merges } })),
  );
}
async function one(raw: string, merges: "apply" | "review" = "apply") {
  return (await apply([raw], merges))[0];
}

const q = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  place.db.query<T>(sql, params);
const personOfRecord = async (id: string, source = "idpas") =>
  (
    await q<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
      [source, id],
    )
  )[0]?.person_id ?? null;
const spellsOf = (visit: string, source = "idpas") =>
  q<{ person_id: string; discharged_at: Date | null }>(
    "SELECT person_id::text AS person_id, discharged_at FROM hospital_spell WHERE source_system = $1 AND source_record_id = $2",
    [source, visit],
  );
const staysOf = (visit: string) =>
  q<{ person_id: string; ward_code: string; started_at: Date; ended_at: Date | null }>(
    `SELECT w.person_id::text AS person_id, w.ward_code, w.started_at, w.ended_at FROM ward_stay w
     JOIN hospital_spell s ON s.person_id = w.person_id AND s.spell_id = w.spell_id WHERE s.source_system = 'idpas' AND s.source_record_id = $1
     ORDER BY w.started_at`,
    [visit],
  );

test("A47 changes the source's local id: the link, the record, the visit log and identifiers follow; the person and their spell stay; a later discharge under the new id applies", async () => {
  assert.equal((await one(admit(pid3("RXL1", "9990000018"), "VL1", "WARD1"))).code, "AA");
  const person = await personOfRecord("RXL1");
  assert.ok(person);
  const change = message("A47", [pid(pid3("RXL2", "9990000018")), "MRG|RXL1^^^RX1^MR"]);
  const out = await one(change);
  assert.equal(out.code, "AA", out.reason);
  assert.equal(await personOfRecord("RXL2"), person, "the new id is the same person");
  assert.equal(await personOfRecord("RXL1"), null, "the old id is no longer a record");
  assert.deepEqual(
    (
      await q<{ record_id: string }>(
        "SELECT DISTINCT record_id FROM adt_visit_event WHERE visit_number = 'VL1'",
      )
    ).map((r) => r.record_id),
    ["RXL2"],
  );
  const ids = (
    await q<{ value: string }>("SELECT value FROM person_identifier WHERE person_id = $1 ORDER BY value", [
      person,
    ])
  ).map((r) => r.value);
  assert.ok(ids.includes("RXL2") && !ids.includes("RXL1"), `identifiers: ${ids.join(", ")}`);
  const decision = await q<{ kind: string }>(
    "SELECT kind FROM mpi_decision WHERE source_system = 'idpas' AND source_record_id = 'RXL2' AND kind = 'rename'",
  );
  assert.equal(decision.length, 1, "the rename is a decision in the MPI's history");
  assert.equal((await spellsOf("VL1"))[0].person_id, person);

  // The same A47 again changes nothing.
  assert.equal((await one(change)).duplicate, true);
  // The spell's discharge, sent under the new id, closes it.
  const discharge = message("A03", [
    pid(pid3("RXL2", "9990000018")),
    pv1({ 2: "I", 3: "WARD1^^^RX1", 19: "VL1", 36: "01", 44: AT, 45: "20140603100000+0100" }),
  ]);
  assert.equal((await one(discharge)).code, "AA");
  const [spell] = await spellsOf("VL1");
  assert.equal(spell.person_id, person);
  assert.ok(spell.discharged_at, "discharged");

  // A47 onto an id the source already uses for someone else is a merge, not a rename: refused with the reason.
  await one(register(pid3("RXL3")));
  const onto = await one(message("A47", [pid(pid3("RXL3")), "MRG|RXL2^^^RX1^MR"]));
  assert.equal(onto.code, "AE");
  assert.match(onto.reason ?? "", /already names another patient record.*send A40/);
  assert.equal(await personOfRecord("RXL2"), person, "nothing renamed");
});

test("a feed that identifies patients by NHS Number alone: A47 changing the NHS Number renames the record, the person takes the new number and keeps the spell", async () => {
  // The same patient under the old and the new number: the same name and date of birth.
  alias.set("9990000034", "9990000026");
  alias.set("9434765870", "9434765919");
  assert.equal((await one(admit(pid3(null, "9990000026"), "VN1", "WARD2"))).code, "AA");
  const person = await personOfRecord("9990000026");
  assert.ok(person, "the NHS Number is the record id");
  const out = await one(message("A47", [pid(pid3(null, "9990000034")), "MRG|9990000026^^^NHS^NH"]));
  assert.equal(out.code, "AA", out.reason);
  assert.equal(await personOfRecord("9990000034"), person);
  assert.equal(await personOfRecord("9990000026"), null);
  const [golden] = await q<{ nhs_number: string }>("SELECT nhs_number FROM person WHERE person_id = $1", [
    person,
  ]);
  assert.equal(golden.nhs_number, "9990000034");
  assert.equal((await spellsOf("VN1"))[0].person_id, person);
  // The same over MLLP (a sender not trusted for merges: a rename is not a merge, it applies).
  const admitted = await sendOne(server.port, admit(pid3(null, "9434765919"), "VN2", "WARD2", "UNTRUSTED"));
  assert.equal(admitted.code, "AA");
  const viaMllp = await personOfRecord("9434765919", "untrusted");
  const renamed = await sendOne(
    server.port,
    message("A47", [pid(pid3(null, "9434765870")), "MRG|9434765919^^^NHS^NH"], undefined, "UNTRUSTED"),
  );
  assert.equal(renamed.code, "AA");
  assert.equal(await personOfRecord("9434765870", "untrusted"), viaMllp);
  assert.equal((await spellsOf("VN2", "untrusted"))[0].person_id, viaMllp);
  // A47 naming a prior NHS Number the source never sent is kept as a reject to replay, not acknowledged for nothing.
  const unknown = await one(message("A47", [pid(pid3(null, "9990000042")), "MRG|9990000018^^^NHS^NH"]));
  assert.equal(unknown.code, "AE");
  assert.match(unknown.reason ?? "", /MRG-1.*names no patient record.*change of identifier/);
});

test("A45 from a trusted feed onto a known patient moves the visit: spell, ward stays and their subject go to the other person; the next event for the visit applies there", async () => {
  await one(register(pid3("RXM2"), "IDPAS", "OTHER"));
  await one(admit(pid3("RXM1"), "VM1", "WARD3"));
  const from = await personOfRecord("RXM1");
  const to = await personOfRecord("RXM2");
  assert.ok(from && to && from !== to);
  const move = message("A45", [
    pid(pid3("RXM2"), "OTHER"),
    "MRG|RXM1^^^RX1^MR||VM1||VM1",
    pv1({ 2: "I", 19: "VM1" }),
  ]);
  const out = await one(move);
  assert.equal(out.code, "AA", out.reason);
  assert.deepEqual(
    (await spellsOf("VM1")).map((s) => s.person_id),
    [to],
    "one spell, now the other patient's",
  );
  assert.deepEqual(
    (await staysOf("VM1")).map((s) => s.person_id),
    [to],
  );
  const [subject] = await q<{ subject_record_id: string }>(
    "SELECT subject_record_id FROM ingest_row_subject WHERE source_system = 'idpas' AND table_name = 'hospital_spell' AND source_record_id = 'VM1'",
  );
  assert.equal(subject.subject_record_id, "RXM2");
  assert.equal(
    (await listReview(place.db)).filter((i) => i.kind === "visit-move").length,
    0,
    "nothing to review",
  );
  await one(
    message("A03", [
      pid(pid3("RXM2"), "OTHER"),
      pv1({ 2: "I", 3: "WARD3^^^RX1", 19: "VM1", 36: "01", 44: AT, 45: "20140602100000+0100" }),
    ]),
  );
  const [spell] = await spellsOf("VM1");
  assert.equal(spell.person_id, to);
  assert.ok(spell.discharged_at);
  // A45 for a visit the source never sent, or naming the wrong prior patient: refused with the reason.
  const noVisit = await one(
    message("A45", [pid(pid3("RXM2"), "OTHER"), "MRG|RXM1^^^RX1^MR||V-NONE||V-NONE", pv1({ 2: "I" })]),
  );
  assert.match(noVisit.reason ?? "", /names no visit this source has sent/);
  const wrongPrior = await one(
    message("A45", [pid(pid3("RXM1")), "MRG|RXL9^^^RX1^MR||VM1||VM1", pv1({ 2: "I", 19: "VM1" })]),
  );
  assert.equal(wrongPrior.code, "AE");
  // The patient the visit moved from is deleted by the source: the moved visit is the other patient's, and stays.
  assert.equal((await one(message("A29", [pid(pid3("RXM1")), "PV1|1|N"]))).code, "AA");
  assert.equal(await personOfRecord("RXM1"), null);
  assert.deepEqual(
    (await spellsOf("VM1")).map((s) => s.person_id),
    [to],
  );
});

test("A45 onto a patient the MPI cannot confirm waits on the identity review queue: the visit stays until a reviewer moves it; from an untrusted MLLP sender too", async () => {
  await one(admit(pid3("RXR1"), "VR1", "WARD4"));
  const from = await personOfRecord("RXR1");
  // RXR2 is first seen in the A45 itself: nothing but this message says who they are.
  const out = await one(
    message("A45", [
      pid(pid3("RXR2", "9990000050"), "NEWCOMER"),
      "MRG|RXR1^^^RX1^MR||VR1||VR1",
      pv1({ 2: "I", 19: "VR1" }),
    ]),
  );
  assert.equal(out.code, "AA", out.reason);
  assert.equal((await spellsOf("VR1"))[0].person_id, from, "the visit has not moved");
  const to = await personOfRecord("RXR2");
  const item = (await listReview(place.db)).find((i) => i.kind === "visit-move" && i.detail.visit === "VR1");
  assert.ok(item, "a visit-move review item");
  assert.equal(item.recordId, "RXR1");
  assert.equal(item.candidatePersonId, to);
  assert.match(String(item.detail.why), /first seen in this message/);
  await place.db.transaction((tx) =>
    decideReview(tx, item.reviewId, "link", "cli:reviewer", "ward confirmed the patient", applyReviewedEvent),
  );
  assert.equal((await spellsOf("VR1"))[0].person_id, to, "moved once the reviewer said so");
  assert.equal((await staysOf("VR1"))[0].person_id, to);

  // Over MLLP from a sender not trusted for identity changes, even onto a known patient.
  await one(admit(pid3("RXU1", undefined), "VU1", "WARD4", "UNTRUSTED"));
  await one(register(pid3("RXU2"), "UNTRUSTED", "KNOWN"));
  const ack = await sendOne(
    server.port,
    message(
      "A45",
      [pid(pid3("RXU2"), "KNOWN"), "MRG|RXU1^^^RX1^MR||VU1||VU1", pv1({ 2: "I", 19: "VU1" })],
      undefined,
      "UNTRUSTED",
    ),
  );
  assert.equal(ack.code, "AA");
  const waiting = (await listReview(place.db)).find(
    (i) => i.kind === "visit-move" && i.detail.visit === "VU1",
  );
  assert.ok(waiting);
  assert.match(String(waiting.detail.why), /not trusted/);
  const before = await personOfRecord("RXU1", "untrusted");
  await place.db.transaction((tx) =>
    decideReview(tx, waiting.reviewId, "separate", "cli:reviewer", "sender error", applyReviewedEvent),
  );
  assert.equal((await spellsOf("VU1", "untrusted"))[0].person_id, before, "left where it was");

  // Onto a known patient whose own link waits for review (the MPI is not sure who they are): waits too.
  await one(register(pid3("RXQ2")));
  await one(admit(pid3("RXQ1"), "VQ1", "WARD4"));
  await q(
    `INSERT INTO mpi_review (review_id, source_system, source_record_id, candidate_person_id, score, comparison)
     VALUES (gen_random_uuid(), 'idpas', 'RXQ2', $1, 12, '{"total": 12, "blocking": false, "fields": []}')`,
    [await personOfRecord("RXQ1")],
  );
  const unsure = await one(
    message("A45", [pid(pid3("RXQ2")), "MRG|RXQ1^^^RX1^MR||VQ1||VQ1", pv1({ 2: "I", 19: "VQ1" })]),
  );
  assert.equal(unsure.code, "AA", unsure.reason);
  const queued = (await listReview(place.db)).find(
    (i) => i.kind === "visit-move" && i.detail.visit === "VQ1",
  );
  assert.match(String(queued?.detail.why), /waits in the identity review queue/);
  assert.equal((await spellsOf("VQ1"))[0].person_id, await personOfRecord("RXQ1"), "not moved");
});

test("A17 swaps two inpatients' wards: each spell gets a ward stay on the other's ward from EVN-6; a bed swap within one ward adds nothing", async () => {
  await one(admit(pid3("RXS1"), "VS1", "WARDA"));
  await one(admit(pid3("RXS2"), "VS2", "WARDB"));
  const at = "20140602120000+0100";
  const swap = message(
    "A17",
    [
      pid(pid3("RXS1")),
      pv1({ 2: "I", 3: "WARDB^BAY2^BED4^RX1", 19: "VS1" }),
      pid(pid3("RXS2"), undefined, 2),
      pv1({ 2: "I", 3: "WARDA^BAY1^BED1^RX1", 19: "VS2" }),
    ],
    at,
  );
  const out = await one(swap);
  assert.equal(out.code, "AA", out.reason);
  const one1 = await staysOf("VS1");
  const two = await staysOf("VS2");
  assert.deepEqual(
    one1.map((s) => s.ward_code),
    ["WARDA", "WARDB"],
  );
  assert.deepEqual(
    two.map((s) => s.ward_code),
    ["WARDB", "WARDA"],
  );
  assert.equal(one1[1].started_at.toISOString(), "2014-06-02T11:00:00.000Z");
  assert.equal(one1[0].ended_at?.toISOString(), "2014-06-02T11:00:00.000Z");
  assert.equal(one1[1].person_id, await personOfRecord("RXS1"));
  assert.equal(two[1].person_id, await personOfRecord("RXS2"));
  // Swapping beds within the same wards they are on now changes no ward stay.
  const beds = message(
    "A17",
    [
      pid(pid3("RXS1")),
      pv1({ 2: "I", 3: "WARDB^BAY2^BED5^RX1", 19: "VS1" }),
      pid(pid3("RXS2"), undefined, 2),
      pv1({ 2: "I", 3: "WARDA^BAY1^BED2^RX1", 19: "VS2" }),
    ],
    "20140602130000+0100",
  );
  assert.equal((await one(beds)).code, "AA");
  assert.equal((await staysOf("VS1")).length, 2);
  assert.equal((await staysOf("VS2")).length, 2);
  // An A17 with one patient only is refused, saying what is missing.
  const half = await one(
    message("A17", [pid(pid3("RXS1")), pv1({ 2: "I", 3: "WARDA^^^RX1", 19: "VS1" })], at),
  );
  assert.equal(half.code, "AE");
  assert.match(half.reason ?? "", /second PID and PV1/);
});

test("A29 deletes what that source said: its record and its visits go, another source's record and visits of the same person stay; an unknown patient is kept as a reject", async () => {
  const nhs = "9990000069";
  alias.set("OX1", "RXD1");
  await one(register(pid3("RXD1", nhs)));
  await one(register(pid3("OX1", nhs), "OTHERPAS"));
  const person = await personOfRecord("RXD1");
  assert.equal(await personOfRecord("OX1", "otherpas"), person, "one person, two sources");
  await one(admit(pid3("RXD1", nhs), "VD1", "WARD5"));
  await one(admit(pid3("OX1", nhs), "VO1", "WARD9", "OTHERPAS"));
  const out = await one(message("A29", [pid(pid3("RXD1", nhs)), "PV1|1|N"]));
  assert.equal(out.code, "AA", out.reason);
  assert.equal(await personOfRecord("RXD1"), null, "the source's record is gone");
  assert.equal(await personOfRecord("OX1", "otherpas"), person, "the other source's record stays");
  assert.equal((await spellsOf("VD1")).length, 0, "the source's spell is gone");
  assert.equal((await staysOf("VD1")).length, 0);
  assert.equal((await spellsOf("VO1", "otherpas")).length, 1, "the other source's spell stays");
  const [golden] = await q<{ source_system: string }>(
    "SELECT source_system FROM person WHERE person_id = $1",
    [person],
  );
  assert.equal(golden.source_system, "otherpas", "the golden record now comes from the other source");
  const [retract] = await q<{ n: number }>(
    "SELECT count(*) AS n FROM mpi_decision WHERE kind = 'retract' AND source_record_id = 'RXD1'",
  );
  assert.equal(Number(retract.n), 1);
  // The visit's log ends in the A29, so refolding it (a later mapping) never brings the spell back.
  const [last] = await q<{ trigger_event: string }>(
    "SELECT trigger_event FROM adt_visit_event WHERE visit_number = 'VD1' ORDER BY message_time DESC LIMIT 1",
  );
  assert.equal(last.trigger_event, "A29");

  const unknown = await one(message("A29", [pid(pid3("RXD404")), "PV1|1|N"]));
  assert.equal(unknown.code, "AE");
  assert.match(unknown.reason ?? "", /nothing to delete/);
});

test("A29 of a person's last record while OnePlace holds care about them waits for a reviewer, who can delete it", async () => {
  await one(register(pid3("RXC1")));
  const person = await personOfRecord("RXC1");
  await q(
    `INSERT INTO data_opt_out (person_id, opt_out_id, recorded_on, source, source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), '2014-05-01', 'test', 'test', 'opt-out-c1', now())`,
    [person],
  );
  const out = await one(message("A29", [pid(pid3("RXC1")), "PV1|1|N"]));
  assert.equal(out.code, "AA");
  assert.equal(await personOfRecord("RXC1"), person, "not deleted by the feed's word alone");
  const item = (await listReview(place.db)).find((i) => i.kind === "record-delete" && i.recordId === "RXC1");
  assert.ok(item, "a record-delete review item");
  await place.db.transaction((tx) =>
    decideReview(
      tx,
      item.reviewId,
      "link",
      "cli:reviewer",
      "registered in error, confirmed",
      applyReviewedEvent,
    ),
  );
  assert.equal(await personOfRecord("RXC1"), null, "deleted once a reviewer confirmed");
});

test("a file of these events in the shape English feeds send: every message offered ends stored, held, rejected or unsupported", async () => {
  const dir = mkdtempSync(join(tmpdir(), "oneplace-identity-"));
  const path = join(dir, "identity.hl7");
  const raws = [
    admit(pid3("RXF1"), "VF1", "WARDF"),
    register(pid3("RXF2")),
    message("A45", [pid(pid3("RXF2")), "MRG|RXF1^^^RX1^MR||VF1||VF1", pv1({ 2: "I", 19: "VF1" })]),
    message("A47", [pid(pid3("RXF3")), "MRG|RXF2^^^RX1^MR"]),
    message("A02", [pid(pid3("RXF4")), pv1({ 2: "I", 3: "WARDG^^^RX1", 19: "VF4" })]),
    message("A29", [pid(pid3("RXF404")), "PV1|1|N"]),
    message("A15", [pid(pid3("RXF3")), pv1({ 2: "I", 19: "VF1" })]),
    message("A29", [pid(pid3("RXF3")), "PV1|1|N"]),
  ];
  writeFileSync(path, `${raws.join("\r\n")}\r\n`);
  const r = await loadHl7File(place.db, path);
  const c = r.counts;
  assert.equal(c.recordsRead, raws.length);
  assert.equal(
    c.recordsRead,
    c.loaded + c.duplicates + c.held + c.rejected + r.unsupported,
    JSON.stringify(r),
  );
  assert.equal(r.unsupported, 1, "A15 is counted unsupported");
  assert.equal(c.rejected, 1, "the A29 for an unknown patient");
  assert.equal(c.held, 1, "the transfer whose admission has not arrived");
  assert.equal(await personOfRecord("RXF3"), null, "renamed, then deleted");
  assert.equal((await spellsOf("VF1")).length, 0, "the moved visit went with the deleted record");
});

test("an A12 after a bed swap within the ward (A17) cancels that swap, which changed nothing: the transfer before it stands", async () => {
  await one(admit(pid3("RXT1"), "VT1", "WARDA"));
  await one(admit(pid3("RXT2"), "VT2", "WARDB"));
  const transfer = message(
    "A02",
    [pid(pid3("RXT1")), pv1({ 2: "I", 3: "WARDB^BAY1^BED1^RX1", 19: "VT1" })],
    "20140602090000+0100",
  );
  assert.equal((await one(transfer)).code, "AA");
  // Both now on WARDB: they swap beds, nothing OnePlace keeps changes.
  const beds = message(
    "A17",
    [
      pid(pid3("RXT1")),
      pv1({ 2: "I", 3: "WARDB^BAY2^BED7^RX1", 19: "VT1" }),
      pid(pid3("RXT2"), undefined, 2),
      pv1({ 2: "I", 3: "WARDB^BAY1^BED1^RX1", 19: "VT2" }),
    ],
    "20140602100000+0100",
  );
  assert.equal((await one(beds)).code, "AA");
  const cancel = message(
    "A12",
    [pid(pid3("RXT1")), pv1({ 2: "I", 3: "WARDB^BAY1^BED1^RX1", 19: "VT1" })],
    "20140602110000+0100",
  );
  const out = await one(cancel);
  assert.equal(out.code, "AA", out.reason);
  assert.deepEqual(
    (await staysOf("VT1")).map((s) => s.ward_code),
    ["WARDA", "WARDB"],
    "the transfer to WARDB before the bed swap is not undone",
  );
  // A second A12 cancels the transfer itself.
  const again = message(
    "A12",
    [pid(pid3("RXT1")), pv1({ 2: "I", 3: "WARDA^^^RX1", 19: "VT1" })],
    "20140602120000+0100",
  );
  assert.equal((await one(again)).code, "AA");
  assert.deepEqual(
    (await staysOf("VT1")).map((s) => s.ward_code),
    ["WARDA"],
  );
});

test("A17 updates the second patient's demographics as an A08 would, and a second patient the source never sent becomes a record of their own", async () => {
  await one(admit(pid3("RXP1"), "VP1", "WARDC"));
  await one(admit(pid3("RXP2"), "VP2", "WARDD"));
  const second = await personOfRecord("RXP2");
  const swap = message(
    "A17",
    [
      pid(pid3("RXP1")),
      pv1({ 2: "I", 3: "WARDD^^^RX1", 19: "VP1" }),
      `PID|2||${pid3("RXP2")}||MARRIED^ANN||${birthOf(pid3("RXP2"))}|F|||1 NEW ROAD^^LEEDS^^LS1 4AP`,
      pv1({ 2: "I", 3: "WARDC^^^RX1", 19: "VP2" }),
    ],
    "20140602140000+0100",
  );
  const out = await one(swap);
  assert.equal(out.code, "AA", out.reason);
  const [rec] = await q<{ family_name: string; postcode: string | null; person_id: string }>(
    "SELECT family_name, postcode, person_id::text AS person_id FROM person_record WHERE source_system = 'idpas' AND source_record_id = 'RXP2'",
  );
  assert.equal(rec.family_name, "MARRIED", "the second PID's new family name is applied");
  assert.equal(rec.postcode, "LS1 4AP");
  assert.equal(rec.person_id, second, "the same person");
  const [golden] = await q<{ family_name: string }>("SELECT family_name FROM person WHERE person_id = $1", [
    second,
  ]);
  assert.equal(golden.family_name, "MARRIED");
  // Over MLLP, with a second patient the source has not sent before: their record is made, as an A08's would be.
  await one(admit(pid3("RXP3"), "VP3", "WARDC", "UNTRUSTED"));
  const ack = await sendOne(
    server.port,
    message(
      "A17",
      [
        pid(pid3("RXP3")),
        pv1({ 2: "I", 3: "WARDE^^^RX1", 19: "VP3" }),
        pid(pid3("RXP4"), "NEWPAIR", 2),
        pv1({ 2: "I", 3: "WARDC^^^RX1", 19: "VP4" }),
      ],
      "20140602150000+0100",
      "UNTRUSTED",
    ),
  );
  assert.equal(ack.code, "AA");
  assert.ok(await personOfRecord("RXP4", "untrusted"), "the second patient is on the index");
  assert.deepEqual(
    (await staysOf2("VP3", "untrusted")).map((s) => s.ward_code),
    ["WARDC", "WARDE"],
  );
});

const staysOf2 = (visit: string, source: string) =>
  q<{ ward_code: string }>(
    `SELECT w.ward_code FROM ward_stay w JOIN hospital_spell s ON s.person_id = w.person_id AND s.spell_id = w.spell_id
     WHERE s.source_system = $1 AND s.source_record_id = $2 ORDER BY w.started_at`,
    [source, visit],
  );

/** The end state of a source's A29 at 12:00 and a new admission at 14:00 for the same patient: what is left. */
async function afterDeleteAndReadmit(id: string, before: string, after: string, source = "idpas") {
  return {
    person: await personOfRecord(id, source),
    deletedVisit: (await spellsOf(before, source)).length,
    laterVisit: (await spellsOf(after, source)).map((s) => s.person_id),
  };
}

test("an A29 and an admission dated after it, in either order, in one batch or over MLLP: the later admission re-creates the patient, the visits before the deletion stay deleted", async () => {
  const deletion = (id: string, app = "IDPAS") =>
    message("A29", [pid(pid3(id)), "PV1|1|N"], "20140603120000+0100", app);
  const readmit = (id: string, visit: string, app = "IDPAS") =>
    message(
      "A01",
      [
        pid(pid3(id)),
        pv1({ 2: "I", 3: "WARDR^^^RX1", 4: "21", 10: "300", 19: visit, 44: "20140603140000+0100" }),
      ],
      "20140603140000+0100",
      app,
    );
  const expectRecreated = async (id: string, before: string, after: string, source = "idpas") => {
    const s = await afterDeleteAndReadmit(id, before, after, source);
    assert.ok(s.person, `${id}: the later admission re-created the record`);
    assert.equal(s.deletedVisit, 0, `${id}: the visit before the deletion is deleted`);
    assert.deepEqual(s.laterVisit, [s.person], `${id}: the later admission is the record's person's`);
  };

  // In the order they were sent.
  await one(admit(pid3("RXA1"), "VA1", "WARDR"));
  assert.equal((await one(deletion("RXA1"))).code, "AA");
  assert.equal(await personOfRecord("RXA1"), null);
  assert.equal((await one(readmit("RXA1", "VA1B"))).code, "AA");
  await expectRecreated("RXA1", "VA1", "VA1B");

  // The later admission arrives first (the deletion raced behind it on another connection).
  await one(admit(pid3("RXA2"), "VA2", "WARDR"));
  assert.equal((await one(readmit("RXA2", "VA2B"))).code, "AA");
  const late = await one(deletion("RXA2"));
  assert.equal(late.code, "AA", late.reason);
  await expectRecreated("RXA2", "VA2", "VA2B");

  // Both in one batch, in either order.
  await one(admit(pid3("RXA3"), "VA3", "WARDR"));
  await one(admit(pid3("RXA4"), "VA4", "WARDR"));
  const batch = await apply([
    deletion("RXA3"),
    readmit("RXA3", "VA3B"),
    readmit("RXA4", "VA4B"),
    deletion("RXA4"),
  ]);
  assert.deepEqual(
    batch.map((o) => o.code),
    ["AA", "AA", "AA", "AA"],
  );
  await expectRecreated("RXA3", "VA3", "VA3B");
  await expectRecreated("RXA4", "VA4", "VA4B");

  // Over MLLP, the deletion arriving last.
  await one(admit(pid3("RXA5"), "VA5", "WARDR", "UNTRUSTED"));
  assert.equal((await sendOne(server.port, readmit("RXA5", "VA5B", "UNTRUSTED"))).code, "AA");
  assert.equal((await sendOne(server.port, deletion("RXA5", "UNTRUSTED"))).code, "AA");
  await expectRecreated("RXA5", "VA5", "VA5B", "untrusted");

  // An event dated before the deletion changes nothing of this: the record deleted with nothing after it goes.
  await one(admit(pid3("RXA6"), "VA6", "WARDR"));
  await one(deletion("RXA6"));
  assert.equal(await personOfRecord("RXA6"), null, "no later event: deleted");
});

test("an event dated before an A29 that arrives after it is held, never used to re-create what the source deleted; one dated after it still re-creates; in a batch, from a file and over MLLP", async () => {
  const DELETED_AT = "20140603120000+0100";
  const BEFORE = "20140602090000+0100";
  const AFTER = "20140603140000+0100";
  const deletion = (id: string, app = "IDPAS") => message("A29", [pid(pid3(id)), "PV1|1|N"], DELETED_AT, app);
  const admitAt = (id: string, visit: string, at: string, app = "IDPAS") =>
    message(
      "A01",
      [pid(pid3(id)), pv1({ 2: "I", 3: "WARDE^^^RX1", 4: "21", 10: "300", 19: visit, 44: at })],
      at,
      app,
    );
  const expectHeld = (out: Awaited<ReturnType<typeof one>>, what: string) => {
    assert.equal(out.code, "AA", `${what}: acknowledged (${out.reason ?? ""})`);
    assert.equal(out.held, true, `${what}: held`);
    assert.match(out.reason ?? "", /dated before .* deleted record/, what);
  };

  // A late admission for a visit OnePlace never had, dated before the deletion: held, no record, no spell.
  await one(admit(pid3("RXE1"), "VE1", "WARDE"));
  assert.equal((await one(deletion("RXE1"))).code, "AA");
  assert.equal(await personOfRecord("RXE1"), null);
  const lateRaw = admitAt("RXE1", "VE2", BEFORE);
  expectHeld(await one(lateRaw), "a late admission");
  assert.equal(await personOfRecord("RXE1"), null, "the late admission did not re-create the record");
  assert.equal((await spellsOf("VE2")).length, 0, "nor its visit");
  // Late demographics (A31) dated before the deletion: held too.
  expectHeld(await one(message("A31", [pid(pid3("RXE1"))], BEFORE)), "late demographics");
  assert.equal(await personOfRecord("RXE1"), null);
  // The same message again is a duplicate, not a second hold.
  const again = await one(lateRaw);
  assert.equal(again.duplicate, true);
  // An event dated after the deletion still re-creates the patient; one dated before is still held after that.
  const later = await one(admitAt("RXE1", "VE3", AFTER));
  assert.equal(later.code, "AA", later.reason);
  assert.equal(later.held, false);
  const person = await personOfRecord("RXE1");
  assert.ok(person, "re-created by the later admission");
  assert.deepEqual(
    (await spellsOf("VE3")).map((s) => s.person_id),
    [person],
  );
  expectHeld(await one(admitAt("RXE1", "VE4", BEFORE)), "an earlier admission after the re-creation");
  assert.equal((await spellsOf("VE4")).length, 0);
  assert.equal((await spellsOf("VE2")).length, 0);
  assert.equal((await spellsOf("VE1")).length, 0);

  // A patient registered without a visit (A28), deleted, then late demographics: held.
  await one(register(pid3("RXE2")));
  assert.equal((await one(deletion("RXE2"))).code, "AA");
  expectHeld(await one(message("A08", [pid(pid3("RXE2"))], BEFORE)), "a late A08");
  assert.equal(await personOfRecord("RXE2"), null);

  // In a batch with other messages: only the late one is held.
  await one(admit(pid3("RXE3"), "VE5", "WARDE"));
  await one(deletion("RXE3"));
  const batch = await apply([admitAt("RXE3", "VE6", BEFORE), admit(pid3("RXE4"), "VE7", "WARDE")]);
  assert.deepEqual(
    batch.map((o) => [o.code, o.held]),
    [
      ["AA", true],
      ["AA", false],
    ],
  );
  assert.equal(await personOfRecord("RXE3"), null);
  assert.ok(await personOfRecord("RXE4"));

  // From a file: counted held, and every message offered accounted for.
  await one(admit(pid3("RXE5"), "VE8", "WARDE"));
  await one(deletion("RXE5"));
  const dir = mkdtempSync(join(tmpdir(), "oneplace-late-"));
  const path = join(dir, "late.hl7");
  writeFileSync(
    path,
    `${[admitAt("RXE5", "VE9", BEFORE), admitAt("RXE6", "VE10", BEFORE)].join("\r\n")}\r\n`,
  );
  const loaded = await loadHl7File(place.db, path);
  assert.equal(loaded.counts.held, 1, JSON.stringify(loaded.counts));
  assert.equal(loaded.counts.loaded, 1, JSON.stringify(loaded.counts));
  assert.equal(await personOfRecord("RXE5"), null);

  // Over MLLP, from an untrusted sender: the late admission is acknowledged and held.
  await one(admit(pid3("RXE7"), "VE11", "WARDE", "UNTRUSTED"));
  assert.equal((await sendOne(server.port, deletion("RXE7", "UNTRUSTED"))).code, "AA");
  assert.equal(await personOfRecord("RXE7", "untrusted"), null);
  assert.equal((await sendOne(server.port, admitAt("RXE7", "VE12", BEFORE, "UNTRUSTED"))).code, "AA");
  assert.equal(await personOfRecord("RXE7", "untrusted"), null, "not re-created over MLLP");
  assert.equal((await spellsOf("VE12", "untrusted")).length, 0);
});

test("a visit-move item the feed has since overtaken: a reviewer's yes says what changed and closes it, or follows a rename or merge, or asks again; nothing half-written", async () => {
  /** Admits `visit` for `from`, then an A45 moves it onto `to`, first seen in that message: an item waits. */
  const queued = async (from: string, to: string, visit: string) => {
    await one(admit(pid3(from), visit, "WARDM"));
    const out = await one(
      message("A45", [pid(pid3(to)), `MRG|${from}^^^RX1^MR||${visit}||${visit}`, pv1({ 2: "I", 19: visit })]),
    );
    assert.equal(out.code, "AA", out.reason);
    const item = (await listReview(place.db)).find(
      (i) => i.kind === "visit-move" && i.detail.visit === visit,
    );
    assert.ok(item, `a visit-move item for ${visit}`);
    return item;
  };
  const decide = (id: string) =>
    place.db.transaction((tx) =>
      decideReview(tx, id, "link", "cli:reviewer", "ward clerk confirmed", applyReviewedEvent),
    );
  const statusOf = async (id: string) =>
    (
      await q<{ status: string; closed: string | null }>(
        "SELECT status, detail->>'closed' AS closed FROM mpi_review WHERE review_id = $1",
        [id],
      )
    )[0];
  const moves = async (visit: string) =>
    Number(
      (
        await q<{ n: number }>(
          "SELECT count(*) AS n FROM adt_visit_event WHERE visit_number = $1 AND trigger_event = 'A45'",
          [visit],
        )
      )[0].n,
    );

  // The record the visit was to move onto is deleted by its source (A29): closed, the visit stays.
  const deleted = await queued("RXK1", "RXK2", "VK1");
  const from = await personOfRecord("RXK1");
  assert.equal((await one(message("A29", [pid(pid3("RXK2")), "PV1|1|N"]))).code, "AA");
  const r1 = await decide(deleted.reviewId);
  assert.equal(r1.event?.outcome, "closed");
  assert.match(r1.event?.notice ?? "", /record RXK2, which the visit was to move onto, was deleted by idpas/);
  assert.deepEqual(await statusOf(deleted.reviewId), { status: "superseded", closed: r1.event?.notice });
  assert.deepEqual(
    (await spellsOf("VK1")).map((s) => s.person_id),
    [from],
  );
  assert.equal(await moves("VK1"), 0, "no move written");
  const [closing] = await q<{ kind: string }>(
    "SELECT kind FROM mpi_decision WHERE source_record_id = 'RXK1' AND decided_by = 'cli:reviewer'",
  );
  assert.equal(closing.kind, "review-closed");

  // The record it was to move onto is renamed (A47): the item follows the new id and the move applies.
  const renamed = await queued("RXK3", "RXK4", "VK3");
  assert.equal(
    (await one(message("A47", [pid(pid3("RXK5"), familyOf("RXK4")), "MRG|RXK4^^^RX1^MR"]))).code,
    "AA",
  );
  const r2 = await decide(renamed.reviewId);
  assert.equal(r2.event?.outcome, "applied");
  assert.deepEqual(
    (await spellsOf("VK3")).map((s) => s.person_id),
    [await personOfRecord("RXK5")],
  );

  // The source moved the visit itself since (an A45 from a file, trusted, onto a known patient): closed.
  const overtaken = await queued("RXK6", "RXK7", "VK6");
  await one(register(pid3("RXK8")));
  assert.equal(
    (
      await one(
        message("A45", [pid(pid3("RXK8")), "MRG|RXK6^^^RX1^MR||VK6||VK6", pv1({ 2: "I", 19: "VK6" })]),
      )
    ).code,
    "AA",
  );
  const r3 = await decide(overtaken.reviewId);
  assert.equal(r3.event?.outcome, "closed");
  assert.match(r3.event?.notice ?? "", /visit VK6 now belongs to record RXK8/);
  assert.deepEqual(
    (await spellsOf("VK6")).map((s) => s.person_id),
    [await personOfRecord("RXK8")],
  );

  // The visit is deleted with the patient it belongs to: the item is closed by the deletion, saying so.
  const gone = await queued("RXK9", "RXK10", "VK9");
  assert.equal((await one(message("A29", [pid(pid3("RXK9")), "PV1|1|N"]))).code, "AA");
  assert.deepEqual(await statusOf(gone.reviewId), {
    status: "superseded",
    closed: "record RXK9 was deleted by its source",
  });

  // The candidate is merged into another person: the item waits on the survivor, and the move lands there.
  const merged = await queued("RXK11", "RXK12", "VK11");
  await one(register(pid3("RXK13")));
  const a40 = await one(message("A40", [pid(pid3("RXK13")), "MRG|RXK12^^^RX1^MR"]));
  assert.equal(a40.code, "AA", a40.reason);
  const survivor = await personOfRecord("RXK13");
  assert.equal((await statusOf(merged.reviewId)).status, "open", "not superseded: the visit still waits");
  const r4 = await decide(merged.reviewId);
  assert.equal(r4.event?.outcome, "applied");
  assert.deepEqual(
    (await spellsOf("VK11")).map((s) => s.person_id),
    [survivor],
  );

  // The record it moves onto is linked to someone else by a reviewer since: nothing moves, the item stays open
  // naming that person, and the next yes moves the visit there.
  const relinked = await queued("RXK14", "RXK15", "VK14");
  await one(register(pid3("RXK16")));
  const other = await personOfRecord("RXK16");
  await place.db.transaction((tx) => relinkRecord(tx, ["idpas", "RXK15"], other, "cli:reviewer", "same"));
  const r5 = await decide(relinked.reviewId);
  assert.equal(r5.event?.outcome, "kept");
  assert.match(r5.event?.notice ?? "", /now belongs to another person than the candidate you compared/);
  const reopened = (await listReview(place.db)).find((i) => i.reviewId === relinked.reviewId);
  assert.equal(reopened?.candidatePersonId, other);
  assert.equal(await moves("VK14"), 0);
  assert.equal((await decide(relinked.reviewId)).event?.outcome, "applied");
  assert.deepEqual(
    (await spellsOf("VK14")).map((s) => s.person_id),
    [other],
  );
});

test("an unmerge puts back the feed's event items the merge moved: a visit-move item waits on the retired person again and a yes moves the visit there; an item queued on the survivor after the merge stays", async () => {
  await one(admit(pid3("RXN1"), "VN10", "WARDN"));
  const queued = await one(
    message("A45", [pid(pid3("RXN2")), "MRG|RXN1^^^RX1^MR||VN10||VN10", pv1({ 2: "I", 19: "VN10" })]),
  );
  assert.equal(queued.code, "AA", queued.reason);
  const itemFor = async (visit: string) => {
    const item = (await listReview(place.db)).find(
      (i) => i.kind === "visit-move" && i.detail.visit === visit,
    );
    assert.ok(item, `a visit-move item for ${visit}`);
    return item;
  };
  const moved = await itemFor("VN10");
  const retired = await personOfRecord("RXN2");
  assert.equal(moved.candidatePersonId, retired);
  await one(register(pid3("RXN3")));
  const a40 = await one(message("A40", [pid(pid3("RXN3")), "MRG|RXN2^^^RX1^MR"]));
  assert.equal(a40.code, "AA", a40.reason);
  const survivor = await personOfRecord("RXN3");
  assert.equal(await personOfRecord("RXN2"), survivor, "merged");
  assert.equal(
    (await itemFor("VN10")).candidatePersonId,
    survivor,
    "the merge moved the item to the survivor",
  );
  // After the merge, a move onto the survivor's own record from a sender not trusted for identity changes.
  await one(admit(pid3("RXN4"), "VN11", "WARDN"));
  const later = await one(
    message("A45", [pid(pid3("RXN3")), "MRG|RXN4^^^RX1^MR||VN11||VN11", pv1({ 2: "I", 19: "VN11" })]),
    "review",
  );
  assert.equal(later.code, "AA", later.reason);
  assert.equal((await itemFor("VN11")).candidatePersonId, survivor);

  const [merge] = await q<{ merge_id: string }>(
    "SELECT merge_id::text AS merge_id FROM mpi_merge WHERE retired_person_id = $1",
    [retired],
  );
  await place.db.transaction((tx) => unmerge(tx, merge.merge_id, "cli:reviewer", "two patients after all"));
  assert.equal(await personOfRecord("RXN2"), retired, "the record is the retired person's again");
  assert.equal((await itemFor("VN10")).candidatePersonId, retired, "the item the merge moved is back");
  assert.equal((await itemFor("VN11")).candidatePersonId, survivor, "the item queued after the merge stays");
  const decided = await place.db.transaction((tx) =>
    decideReview(tx, moved.reviewId, "link", "cli:reviewer", "ward clerk confirmed", applyReviewedEvent),
  );
  assert.equal(decided.event?.outcome, "applied", decided.event?.notice);
  assert.deepEqual(
    (await spellsOf("VN10")).map((s) => s.person_id),
    [retired],
    "the visit moved onto the person the feed named",
  );
});

test("A29 and A47 find a record's visit events through the index on (source_system, record_id), not by reading every event", async () => {
  // Statistics as autovacuum would gather them at some point of a run: on a test's few rows a scan is cheapest.
  await place.db.exec("ANALYZE adt_visit_event");
  const plans = await place.db.transaction(async (tx) => {
    // With scans priced out the plan shows which index can serve. On Citus the table is coordinator-local, and
    // EXPLAIN asks for its shard's plan over a connection (to the coordinator itself), which a SET LOCAL reaches
    // only when Citus propagates it (elsewhere the first setting is an unused placeholder).
    await tx.exec("SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL enable_seqscan = off");
    const out: string[] = [];
    for (const statement of [
      "SELECT DISTINCT visit_number FROM adt_visit_event WHERE source_system = 'idpas' AND record_id = 'RXA1' ORDER BY 1",
      `SELECT 1 FROM adt_visit_event WHERE source_system = 'idpas' AND record_id = 'RXA1'
         AND message_time > '2014-06-03T11:00:00Z' AND trigger_event <> 'A29' LIMIT 1`,
      "UPDATE adt_visit_event SET record_id = 'RXA1B' WHERE source_system = 'idpas' AND record_id = 'RXA1'",
    ]) {
      const rows = await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement}`);
      out.push(rows.map((r) => r["QUERY PLAN"]).join("\n"));
    }
    return out;
  });
  for (const plan of plans) assert.match(plan, /adt_visit_event_record_idx/, plan);
});

test("feed health does not count a visit the source deleted (A29) as held, nor raise an alarm for it; an event for it dated after the deletion is held", async () => {
  const held = async () =>
    (await heldAlarms(place.db, { now: new Date(Date.now() + 48 * 3_600_000) }))
      .filter((a) => a.sourceSystem === "heldpas")
      .map((a) => a.key);
  await one(admit(pid3("RXH1"), "VH1", "WARDH", "HELDPAS"));
  await one(admit(pid3("RXH1"), "VH2", "WARDH", "HELDPAS"));
  assert.deepEqual(await held(), []);
  const deleted = await one(message("A29", [pid(pid3("RXH1")), "PV1|1|N"], "20140603120000+0100", "HELDPAS"));
  assert.equal(deleted.code, "AA", deleted.reason);
  assert.equal((await spellsOf("VH1", "heldpas")).length, 0);
  assert.deepEqual(await held(), [], "a deleted visit waits for nothing");
  const health = (await feedHealth(place.db)).find((f) => f.sourceSystem === "heldpas");
  assert.equal(health?.heldVisits, 0);
  // A transfer on VH2 dated after the deletion: its admission was deleted, so the visit waits for one.
  const transfer = await one(
    message(
      "A02",
      [pid(pid3("RXH1")), pv1({ 2: "I", 3: "WARDJ^^^RX1", 19: "VH2" })],
      "20140603130000+0100",
      "HELDPAS",
    ),
  );
  assert.equal(transfer.code, "AA", transfer.reason);
  assert.deepEqual(await held(), ["VH2"]);
});

test("feed health lists the messages a deletion (A29) holds, each with why, on the command line and in its JSON", async () => {
  const DELETED_AT = "20140603120000+0100";
  await one(admit(pid3("RXD1"), "VD1", "WARDD", "DELPAS"));
  assert.equal((await one(message("A29", [pid(pid3("RXD1")), "PV1|1|N"], DELETED_AT, "DELPAS"))).code, "AA");
  const late = message(
    "A01",
    [pid(pid3("RXD1")), pv1({ 2: "I", 3: "WARDD^^^RX1", 4: "21", 10: "300", 19: "VD2", 44: AT })],
    "20140602090000+0100",
    "DELPAS",
  );
  const out = await one(late);
  assert.equal(out.held, true);
  // Sent again: a duplicate, still one held message.
  assert.equal((await one(late)).duplicate, true);
  const health = (await feedHealth(place.db)).find((f) => f.sourceSystem === "delpas");
  assert.equal(health?.heldMessageCount, 1);
  assert.deepEqual(
    health?.heldMessages?.map((m) => [m.controlId, m.messageType, m.messageTime]),
    [[out.controlId, "ADT^A01", "2014-06-02T08:00:00.000Z"]],
  );
  assert.match(health?.heldMessages?.[0].reason ?? "", /dated before delpas deleted record RXD1 \(A29 of/);
  // Nothing about the patient but the record id their source gave: no name, no date of birth.
  assert.doesNotMatch(JSON.stringify(health?.heldMessages), /FAM|ANN|1940/);

  // The command line lists it under the table, with why, and its JSON carries the same: a place of its own, as
  // the command opens the place in a process of its own.
  const database = await createTestDatabase({ migrated: true });
  try {
    const dir = mkdtempSync(join(tmpdir(), "oneplace-held-"));
    const file = join(dir, "deleted.hl7");
    const deletion = message("A29", [pid(pid3("RXD1")), "PV1|1|N"], DELETED_AT, "DELPAS");
    writeFileSync(file, `${[admit(pid3("RXD1"), "VD1", "WARDD", "DELPAS"), deletion].join("\r\n")}\r\n`);
    const cli = (...args: string[]) => runCli(args, database.env);
    assert.equal((await cli("ingest", "hl7", file, "-q")).code, 0);
    writeFileSync(file, `${late}\r\n`);
    const load = await cli("ingest", "hl7", file, "-q");
    assert.match(
      load.stdout,
      /1 read, 0 loaded, 0 already there, 1 held, 0 rejected/,
      load.stdout + load.stderr,
    );
    const text = await cli("feeds");
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /Messages held, never applied: their source deleted the patient's record \(A29\)/,
    );
    assert.match(
      text.stdout,
      new RegExp(
        `delpas: 1 held\\n\\s+${out.controlId}\\s+ADT\\^A01 .*dated before delpas deleted record RXD1`,
      ),
    );
    const json = JSON.parse((await cli("feeds", "--json")).stdout) as FeedHealth[];
    assert.equal(json.find((f) => f.sourceSystem === "delpas")?.heldMessages?.[0].controlId, out.controlId);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await database.drop();
  }
});
