// The integration back office over HTTP: the review queue, an item side by side and its decision, a person's
// MPI history with merge and unmerge, rejects (payload, replay, dismiss) and feed health. Only the integration
// engineer works here; everyone else is refused with the reason, and every look and change is audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/index.ts";
import { seedUsers, TEAMS } from "../governance/fixtures.ts";
import { CODED_HEADER, csvFolder, PATIENT_HEADER } from "../helpers/csv-files.ts";
import { testNhsNumber } from "../helpers/nhs-numbers.ts";
import { CSV_REJECT, HELD_CONTROL_ID, HL7_REJECT, personOf, prepareBackoffice } from "./backoffice-data.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const tokens = new Map<string, string>();
const { file } = csvFolder("oneplace-backoffice");

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await seedUsers(db, [
      ["eng.backoffice", "integration-engineer", "service"],
      ["gp.backoffice", "gp", "practice"],
    ]);
    for (const [username, role, team, purpose] of [
      ["eng.backoffice", "integration-engineer", "service", "administration"],
      ["gp.backoffice", "gp", "practice", "direct-care"],
    ] as const) {
      await addApiToken(db, tokens, "backoffice", {
        username,
        roleCode: role,
        teamCode: TEAMS[team].teamCode,
        purpose,
      });
    }
    await prepareBackoffice(db);
  },
});

const requests = bearerRequests(web, tokens, { accept: "text/html" });
const get = (url: string, who = "eng.backoffice") => requests.get(url, who);
const post = (url: string, form: Record<string, string>, who = "eng.backoffice") =>
  requests.postForm(url, who, form);

async function auditSince(seq: number) {
  return web.t.db.query<{
    actor: string;
    action: string;
    allowed: boolean;
    reason: string;
    person_ids: string[];
    disclosure: string | null;
  }>(
    "SELECT actor, action, allowed, reason, person_ids, disclosure FROM audit_event WHERE seq > $1 ORDER BY seq",
    [seq],
  );
}
const lastSeq = async () =>
  Number((await web.t.db.query<{ s: number }>("SELECT coalesce(max(seq), 0) AS s FROM audit_event"))[0].s);

async function openItemId(): Promise<string> {
  const rows = await web.t.db.query<{ review_id: string }>(
    "SELECT review_id::text AS review_id FROM mpi_review WHERE status = 'open' AND source_record_id = 's3'",
  );
  assert.equal(rows.length, 1, "the social care record waits for review");
  return rows[0].review_id;
}

test("the review queue lists each item with its score and field outcomes, and no demographics", async () => {
  const res = await get("/mpi/review");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /<title>Identity review queue – OnePlace<\/title>/);
  assert.match(res.body, /social-care s3/);
  assert.match(res.body, /Date of birth <strong class="nhsuk-tag nhsuk-tag--yellow">Close/);
  assert.doesNotMatch(
    res.body,
    /Taylor|Marjorie|Margaret/,
    "names only on the item, where the look is audited",
  );
});

test("an item compares both records field by field, and each person's demographics are an audited decision", async () => {
  const itemId = await openItemId();
  const before = await lastSeq();
  const res = await get(`/mpi/review/${itemId}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /Marjorie/);
  assert.match(res.body, /Margaret/);
  assert.match(res.body, /day and month swapped/);
  assert.match(res.body, /943 476 5919/);
  const rows = await auditSince(before);
  const candidate = await personOf(web.t.db, "gp", "g1");
  const waiting = await personOf(web.t.db, "social-care", "s3");
  assert.deepEqual(
    rows.map((r) => [r.actor, r.action, r.allowed, r.disclosure, r.person_ids]).sort(),
    [
      ["eng.backoffice", "view", true, "demographics", [candidate]],
      ["eng.backoffice", "view", true, "demographics", [waiting]],
    ].sort(),
  );
});

test("other roles are refused the back office with the reason, audited; the signed-out are sent to sign in", async () => {
  const itemId = await openItemId();
  for (const url of [
    "/mpi/review",
    `/mpi/review/${itemId}`,
    "/rejects",
    `/rejects/${HL7_REJECT}`,
    "/feeds",
  ]) {
    const before = await lastSeq();
    const res = await web.app.inject({
      method: "GET",
      url,
      headers: { authorization: `Bearer ${tokens.get("gp.backoffice")}` },
    });
    assert.equal(res.statusCode, 403, url);
    assert.match(res.body, /does not work the integration back office/);
    assert.doesNotMatch(res.body, /Secretname|Marjorie/);
    const rows = await auditSince(before);
    assert.equal(rows.length, 1, url);
    assert.equal(rows[0].allowed, false);
    const anon = await web.app.inject({ method: "GET", url, headers: { accept: "text/html" } });
    assert.equal(anon.statusCode, 303, url);
    assert.match(String(anon.headers.location), /^\/login\?next=/);
    const api = await web.app.inject({ method: "GET", url });
    assert.equal(api.statusCode, 401, url);
  }
});

test("a decision needs a verdict and a reason: the form comes back with an error summary", async () => {
  const itemId = await openItemId();
  const res = await post(`/mpi/review/${itemId}`, { reason: "no" });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /There is a problem/);
  assert.match(res.body, /Select whether they are the same person/);
  assert.match(res.body, /at least 5 characters/);
  assert.match(res.body, /<title>Error: /);
});

test("linking records the reviewer and their reason, moves the record, and shows in the history", async () => {
  const itemId = await openItemId();
  const candidate = await personOf(web.t.db, "gp", "g1");
  const before = await lastSeq();
  const res = await post(`/mpi/review/${itemId}`, {
    verdict: "link",
    reason: "Same person: date of birth keyed day-first",
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, "/mpi/review?decided=link");
  assert.equal(await personOf(web.t.db, "social-care", "s3"), candidate);
  const changes = (await auditSince(before)).filter((r) => r.action === "change");
  assert.ok(changes.length >= 1 && changes.every((r) => r.allowed && r.actor === "eng.backoffice"));
  const decision = await web.t.db.query<{ decided_by: string; reason: string }>(
    "SELECT decided_by, reason FROM mpi_decision WHERE kind = 'review-link' AND source_record_id = 's3'",
  );
  assert.deepEqual(decision[0], {
    decided_by: "eng.backoffice",
    reason: "Same person: date of birth keyed day-first",
  });
  const banner = await get("/mpi/review?decided=link");
  assert.match(banner.body, /Decision recorded: the record was linked to the candidate/);
  const again = await post(`/mpi/review/${itemId}`, { verdict: "separate", reason: "changed my mind" });
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /already decided/);
  const history = await get(`/mpi/people/${candidate}/history`);
  assert.equal(history.statusCode, 200, history.body);
  assert.match(history.body, /Reviewer linked/);
  assert.match(history.body, /date of birth keyed day-first/);
  assert.match(history.body, /social-care s3/);
});

test("merge and unmerge from a person's history, each with a reason, both kept in the history", async () => {
  const albert = await personOf(web.t.db, "gp", "g7");
  const bert = await personOf(web.t.db, "acute-pas", "h7");
  assert.notEqual(albert, bert);
  const bad = await post(`/mpi/people/${albert}/merge`, { retired: "not-an-id", reason: "" });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /Enter the other person&#39;s id|Enter the other person's id/);
  const self = await post(`/mpi/people/${albert}/merge`, { retired: albert, reason: "same man twice" });
  assert.equal(self.statusCode, 400);
  assert.match(self.body, /cannot be merged into themselves/);
  const merged = await post(`/mpi/people/${albert}/merge`, {
    retired: bert,
    reason: "One man: the hospital holds a mistyped NHS Number",
  });
  assert.equal(merged.statusCode, 303, merged.body);
  assert.equal(await personOf(web.t.db, "acute-pas", "h7"), albert);
  const history = await get(`/mpi/people/${albert}/history?done=merged`);
  assert.match(history.body, /The two people were merged/);
  assert.match(history.body, /mistyped NHS Number/);
  const mergeId = (
    await web.t.db.query<{ merge_id: string }>("SELECT merge_id::text AS merge_id FROM mpi_merge")
  )[0].merge_id;
  const retiredHistory = await get(`/mpi/people/${bert}/history`);
  assert.equal(retiredHistory.statusCode, 200, "a person merged away keeps their history");
  assert.match(retiredHistory.body, /merged into another person/);
  const undone = await post(`/mpi/people/${albert}/unmerge`, { mergeId, reason: "Two brothers after all" });
  assert.equal(undone.statusCode, 303, undone.body);
  assert.equal(await personOf(web.t.db, "acute-pas", "h7"), bert);
  const after = await get(`/mpi/people/${albert}/history`);
  assert.match(after.body, /Merge undone/);
  assert.match(after.body, /Two brothers after all/);
  const twice = await post(`/mpi/people/${albert}/unmerge`, { mergeId, reason: "again, by mistake" });
  assert.equal(twice.statusCode, 409);
});

test("rejects: filtered by source and reason, never a payload in the list", async () => {
  const all = await get("/rejects");
  assert.equal(all.statusCode, 200, all.body);
  assert.match(all.body, /MSH-9: message type missing/);
  assert.match(all.body, /not a known service type/);
  assert.doesNotMatch(all.body, /Secretname/);
  const bySource = await get("/rejects?source=social-care");
  assert.doesNotMatch(bySource.body, /MSH-9/);
  assert.match(bySource.body, /service type/);
  const byReason = await get("/rejects?reason=msh-9");
  assert.match(byReason.body, /MSH-9/);
  assert.doesNotMatch(byReason.body, /service type/);
  const none = await get("/rejects?reason=nothing-like-this");
  assert.match(none.body, /No rejects match these filters/);
});

test("a reject's raw payload is shown only after its audit row; replay and dismiss with a reason", async () => {
  const before = await lastSeq();
  const res = await get(`/rejects/${HL7_REJECT}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /Secretname/);
  const rows = await auditSince(before);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].reason, `raw payload of reject ${HL7_REJECT} shown`);
  assert.equal(rows[0].allowed, true);

  const replay = await post(`/rejects/${HL7_REJECT}/replay`, {});
  assert.equal(replay.statusCode, 303, replay.body);
  assert.equal(replay.headers.location, `/rejects/${HL7_REJECT}?replayed=rejected`);
  const after = await get(`/rejects/${HL7_REJECT}?replayed=rejected`);
  assert.match(after.body, /rejected again/);

  const short = await post(`/rejects/${CSV_REJECT}/dismiss`, { reason: "x" });
  assert.equal(short.statusCode, 400);
  assert.match(short.body, /Enter why you are dismissing it/);
  const dismissed = await post(`/rejects/${CSV_REJECT}/dismiss`, { reason: "Test row from the supplier" });
  assert.equal(dismissed.statusCode, 303, dismissed.body);
  const row = (
    await web.t.db.query<{ status: string; resolved_by: string; resolution_note: string }>(
      "SELECT status, resolved_by, resolution_note FROM ingest_reject_state WHERE reject_id = $1",
      [CSV_REJECT],
    )
  )[0];
  assert.deepEqual(row, {
    status: "dismissed",
    resolved_by: "eng.backoffice",
    resolution_note: "Test row from the supplier",
  });
  const twice = await post(`/rejects/${CSV_REJECT}/dismiss`, { reason: "Test row from the supplier" });
  assert.equal(twice.statusCode, 409);
  const missing = await get("/rejects/4f5a6b7c-8d9e-4f0a-8b1c-2d3e4f5a6b7c");
  assert.equal(missing.statusCode, 404);
});

test("every open reject of a source replayed at once, once its patients arrive: counted, the rest listed, audited", async () => {
  // Four rows about two patients the source has not sent yet; then one of them arrives.
  const entry = (id: string, patient: string) =>
    `${id},${patient},Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z`;
  const coded = file("coded.csv", [
    CODED_HEADER,
    entry("e1", "late1"),
    entry("e2", "late1"),
    entry("e3", "late1"),
    entry("e4", "late2"),
  ]);
  assert.equal((await loadCsvFile(web.t.db, coded, { source: "gp-late" })).counts.rejected, 4);
  const patient = `late1,${testNhsNumber(9001)},Late,Ann,1950-01-01,female,,,`;
  await loadCsvFile(web.t.db, file("patients.csv", [PATIENT_HEADER, patient]), { source: "gp-late" });

  const list = await get("/rejects?source=gp-late");
  assert.match(list.body, /Replay all 4 open rejects/);
  const elsewhere = await post("/rejects/replay", { source: "gp-late" }, "gp.backoffice");
  assert.equal(elsewhere.statusCode, 403);

  const before = await lastSeq();
  const done = await post("/rejects/replay", { source: "gp-late" });
  assert.equal(done.statusCode, 303, done.body);
  assert.equal(done.headers.location, "/rejects?source=gp-late&accepted=3&of=4");
  const audited = await auditSince(before);
  assert.deepEqual(
    audited.map((r) => [r.actor, r.action, r.allowed, r.reason]),
    [["eng.backoffice", "change", true, "4 open rejects of gp-late replayed"]],
  );
  const after = await get(String(done.headers.location));
  assert.match(after.body, /Replayed 4 rejects: 3 accepted and closed; 1 still rejected, its reason updated/);
  assert.match(after.body, /Replay this open reject/);
  const stored = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM gp_entry WHERE source_system = 'gp-late'",
  );
  assert.equal(stored[0].n, 3);
  const open = await web.t.db.query<{ origin_key: string }>(
    "SELECT origin_key FROM ingest_reject_state WHERE source_system = 'gp-late' AND status = 'open'",
  );
  assert.deepEqual(open, [{ origin_key: "gp-coded-record:e4" }]);

  const nothing = await post("/rejects/replay", { source: "gp-late", reason: "no reason like this" });
  assert.equal(
    nothing.headers.location,
    "/rejects?source=gp-late&reason=no+reason+like+this&accepted=0&of=0",
  );
  assert.match((await get(String(nothing.headers.location))).body, /There were no open rejects to replay/);
});

test("feed health lists each source with its counts and lag", async () => {
  const res = await get("/feeds");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /<title>Feed health – OnePlace<\/title>/);
  assert.match(res.body, /acute-pas/);
  assert.match(res.body, /social-care/);
  // A message its source's deletion (A29) holds is listed with why.
  assert.match(res.body, /Messages held by a deletion/);
  assert.match(res.body, new RegExp(`Control id </span>${HELD_CONTROL_ID}</td>`));
  assert.match(res.body, /dated before ward-pas deleted record D1 \(A29 of/);
  assert.doesNotMatch(res.body, /Fictional/);
});
