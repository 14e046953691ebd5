// A feed's event the MPI cannot confirm, in the integration back office over HTTP: an A45 moving a visit onto a
// patient first seen in that message waits on the identity review queue as a "visit-move" item; the queue says
// what the feed asked (ids only), the item asks whether the visit belongs to the candidate, and a reviewer's
// "yes" with a reason moves the spell, recorded and audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyHl7Batch } from "../../src/ingest/index.ts";
import { mergePersons } from "../../src/mpi/index.ts";
import { seedUsers, TEAMS } from "../governance/fixtures.ts";
import { personOf } from "./backoffice-data.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const tokens = new Map<string, string>();
const AT = "20140601100000+0100";
const msh = (event: string, id: string, at: string) =>
  `MSH|^~\\&|WEBPAS|RX1|ONEPLACE|ONEPLACE|${at}||ADT^${event}|${id}|P|2.4|||AL|NE|GBR\rEVN|${event}|${at}||||${at}`;
function pv1(fields: Record<number, string>): string {
  const f: string[] = ["PV1", "1"];
  for (const [n, v] of Object.entries(fields)) f[Number(n)] = v;
  return Array.from(f, (x) => x ?? "").join("|");
}
const admitted = (id: string, record: string, family: string, dob: string, visit: string) =>
  `${msh("A01", id, AT)}\rPID|1||${record}^^^RX1^MR||${family}^ANN||${dob}|F\r${pv1({ 2: "I", 3: "WARDW^^^RX1", 4: "21", 10: "300", 19: visit, 44: AT })}`;
const moved = (id: string, record: string, family: string, dob: string, from: string, visit: string) =>
  `${msh("A45", id, "20140602100000+0100")}\rPID|1||${record}^^^RX1^MR||${family}^BETH||${dob}|F\rMRG|${from}^^^RX1^MR||${visit}||${visit}\r${pv1({ 2: "I", 19: visit })}`;
const MESSAGES = [
  admitted("w1", "RXW1", "WRONGLY", "19450303", "VW1"),
  moved("w2", "RXW2", "RIGHTLY", "19610606", "RXW1", "VW1"),
  // VW3 waits to move onto RXW4, whom the source then deletes (A29).
  admitted("w3", "RXW3", "STAYING", "19500505", "VW3"),
  moved("w4", "RXW4", "DELETED", "19710707", "RXW3", "VW3"),
  // VW5 waits to move onto RXW6, who is then merged into RXW7.
  admitted("w5", "RXW5", "WAITING", "19520202", "VW5"),
  moved("w6", "RXW6", "MERGED", "19730303", "RXW5", "VW5"),
  `${msh("A28", "w7", "20140602110000+0100")}\rPID|1||RXW7^^^RX1^MR||SURVIVOR^CLARE||19740404|F`,
  // VW9 waits to move onto RXW10, who is then merged into RXW11 and the merge undone.
  admitted("w9", "RXW9", "UNDOING", "19540404", "VW9"),
  moved("w10", "RXW10", "PARTED", "19750505", "RXW9", "VW9"),
  `${msh("A28", "w11", "20140602110000+0100")}\rPID|1||RXW11^^^RX1^MR||KEEPER^DORA||19760606|F`,
];
const LATER = [
  `${msh("A29", "w8", "20140603100000+0100")}\rPID|1||RXW4^^^RX1^MR||DELETED^BETH||19710707|F\rPV1|1|N`,
];

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await seedUsers(db, [["eng.events", "integration-engineer", "service"]]);
    await addApiToken(db, tokens, "events", {
      username: "eng.events",
      roleCode: "integration-engineer",
      teamCode: TEAMS.service.teamCode,
      purpose: "administration",
    });
    for (const batch of [MESSAGES, LATER]) {
      const out = await applyHl7Batch(
        db,
        batch.map((raw) => ({ raw, ctx: { origin: "web-test", merges: "apply" as const } })),
      );
      assert.deepEqual(
        out.map((o) => `${o.code} ${o.reason ?? ""}`.trim()),
        batch.map(() => "AA"),
      );
    }
  },
});
const requests = bearerRequests(web, tokens, { accept: "text/html" });

const itemId = async (visit = "VW1") =>
  (
    await web.t.db.query<{ review_id: string }>(
      "SELECT review_id::text AS review_id FROM mpi_review WHERE kind = 'visit-move' AND detail->>'visit' = $1",
      [visit],
    )
  )[0]?.review_id;
const spellPerson = async (visit = "VW1") =>
  (
    await web.t.db.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM hospital_spell WHERE source_system = 'webpas' AND source_record_id = $1",
      [visit],
    )
  ).map((r) => r.person_id);

test("the review queue shows the A45 waiting: what the feed asked and why, by ids, no demographics", async () => {
  const res = await requests.get("/mpi/review", "eng.events");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /A45 from webpas: move visit VW1 from record RXW1 onto record RXW2/);
  assert.match(
    res.body,
    /a feed&#39;s event the master person index cannot confirm: record RXW2 \(PID-3\) was first seen in this message/,
  );
  assert.doesNotMatch(res.body, /WRONGLY|RIGHTLY/, "names only on the item, where the look is audited");
});

test("the item asks whether the visit belongs to the candidate, and a reviewer's yes moves the spell onto them", async () => {
  const id = await itemId();
  assert.ok(id, "an open visit-move item");
  const from = await personOf(web.t.db, "webpas", "RXW1");
  const to = await personOf(web.t.db, "webpas", "RXW2");
  assert.deepEqual(await spellPerson(), [from], "waiting: the visit has not moved");
  const page = await requests.get(`/mpi/review/${id}`, "eng.events");
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /Does this visit belong to the candidate\?/);
  assert.match(page.body, /Yes: move the visit onto the candidate/);
  assert.match(page.body, /What the feed asked/);
  const res = await requests.postForm(`/mpi/review/${id}`, "eng.events", {
    verdict: "link",
    reason: "Ward clerk confirmed the admission was booked on the wrong patient",
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.deepEqual(await spellPerson(), [to], "moved onto the candidate");
  const decisions = await web.t.db.query<{ kind: string; decided_by: string }>(
    "SELECT kind, decided_by FROM mpi_decision WHERE source_system = 'webpas' AND kind IN ('visit-move', 'review-link') ORDER BY kind",
  );
  assert.deepEqual(
    decisions.map((d) => [d.kind, d.decided_by]),
    [
      ["review-link", "eng.events"],
      ["visit-move", "eng.events"],
    ],
  );
  const audit = await web.t.db.query<{ allowed: boolean }>(
    "SELECT allowed FROM audit_event WHERE actor = 'eng.events' AND action = 'change'",
  );
  assert.ok(audit.length >= 1 && audit.every((a) => a.allowed), "the decision is audited");
});

test("a yes to a move onto a record the source deleted since says so plainly, closes the item and moves nothing", async () => {
  const id = await itemId("VW3");
  assert.ok(id);
  const before = await spellPerson("VW3");
  const res = await requests.postForm(`/mpi/review/${id}`, "eng.events", {
    verdict: "link",
    reason: "Ward clerk confirmed the admission was booked on the wrong patient",
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, `/mpi/review/${id}`, "back to the item, which says what changed");
  const page = await requests.get(`/mpi/review/${id}`, "eng.events");
  assert.equal(page.statusCode, 200, page.body);
  assert.match(
    page.body,
    /Closed without a decision: record RXW4, which the visit was to move onto, was deleted by webpas after this item was queued; the visit stays with record RXW3/,
  );
  assert.doesNotMatch(page.body, /Record decision/, "no form on a closed item");
  assert.deepEqual(await spellPerson("VW3"), before, "the visit did not move");
  const again = await requests.postForm(`/mpi/review/${id}`, "eng.events", {
    verdict: "link",
    reason: "Trying again from an old tab",
  });
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /This review item was closed without a decision: record RXW4/);
});

test("a candidate merged into another person while the reviewer looked: the item waits on the survivor, a yes from the old page decides nothing and says why", async () => {
  const id = await itemId("VW5");
  assert.ok(id);
  const page = await requests.get(`/mpi/review/${id}`, "eng.events");
  const seen = /name="candidate" value="([0-9a-f-]+)"/.exec(page.body)?.[1];
  const candidate = await personOf(web.t.db, "webpas", "RXW6");
  assert.equal(seen, candidate, "the form carries the candidate the reviewer compared");
  const survivor = await personOf(web.t.db, "webpas", "RXW7");
  await web.t.db.transaction((tx) => mergePersons(tx, survivor, candidate, "eng.other", "same person"));
  const stale = await requests.postForm(`/mpi/review/${id}`, "eng.events", {
    verdict: "link",
    reason: "Ward clerk confirmed the admission was booked on the wrong patient",
    candidate: seen ?? "",
  });
  assert.equal(stale.statusCode, 409, stale.body);
  assert.match(stale.body, /The candidate changed since you opened this item/);
  assert.match(
    stale.body,
    new RegExp(`name="candidate" value="${survivor}"`),
    "the page now shows the survivor",
  );
  const from = await personOf(web.t.db, "webpas", "RXW5");
  assert.deepEqual(await spellPerson("VW5"), [from], "nothing moved");
  const res = await requests.postForm(`/mpi/review/${id}`, "eng.events", {
    verdict: "link",
    reason: "Compared again with the merged person: same admission",
    candidate: survivor,
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.deepEqual(await spellPerson("VW5"), [survivor], "moved onto the survivor");
});

test("an unmerge over HTTP puts the item the merge moved back on the retired person, and a yes moves the visit onto them", async () => {
  const id = await itemId("VW9");
  assert.ok(id);
  const retired = await personOf(web.t.db, "webpas", "RXW10");
  const survivor = await personOf(web.t.db, "webpas", "RXW11");
  const merged = await requests.postForm(`/mpi/people/${survivor}/merge`, "eng.events", {
    retired,
    reason: "One woman registered twice",
  });
  assert.equal(merged.statusCode, 303, merged.body);
  const onSurvivor = await requests.get(`/mpi/review/${id}`, "eng.events");
  assert.match(
    onSurvivor.body,
    new RegExp(`name="candidate" value="${survivor}"`),
    "the item waits on the survivor",
  );
  const mergeId = (
    await web.t.db.query<{ merge_id: string }>(
      "SELECT merge_id::text AS merge_id FROM mpi_merge WHERE retired_person_id = $1",
      [retired],
    )
  )[0].merge_id;
  const undone = await requests.postForm(`/mpi/people/${survivor}/unmerge`, "eng.events", {
    mergeId,
    reason: "Two women after all: different dates of birth",
  });
  assert.equal(undone.statusCode, 303, undone.body);
  assert.equal(await personOf(web.t.db, "webpas", "RXW10"), retired);
  const page = await requests.get(`/mpi/review/${id}`, "eng.events");
  assert.equal(page.statusCode, 200, page.body);
  assert.match(
    page.body,
    new RegExp(`name="candidate" value="${retired}"`),
    "the item waits on the retired person again",
  );
  const res = await requests.postForm(`/mpi/review/${id}`, "eng.events", {
    verdict: "link",
    reason: "Ward clerk confirmed the admission was booked on the wrong patient",
    candidate: retired,
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.deepEqual(await spellPerson("VW9"), [retired], "moved onto the person the feed named");
});
