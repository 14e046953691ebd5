// A feed's event the MPI cannot confirm, in the integration back office over HTTP: an A45 moving a visit onto a
// patient first seen in that message waits on the identity review queue as a "visit-move" item; the queue says
// what the feed asked (ids only), the item asks whether the visit belongs to the candidate, and a reviewer's
// "yes" with a reason moves the spell, recorded and audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyHl7Batch } from "../../src/ingest/index.ts";
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
const MESSAGES = [
  `${msh("A01", "w1", AT)}\rPID|1||RXW1^^^RX1^MR||WRONGLY^ANN||19450303|F\r${pv1({ 2: "I", 3: "WARDW^^^RX1", 4: "21", 10: "300", 19: "VW1", 44: AT })}`,
  `${msh("A45", "w2", "20140602100000+0100")}\rPID|1||RXW2^^^RX1^MR||RIGHTLY^BETH||19610606|F\rMRG|RXW1^^^RX1^MR||VW1||VW1\r${pv1({ 2: "I", 19: "VW1" })}`,
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
    const out = await applyHl7Batch(
      db,
      MESSAGES.map((raw) => ({ raw, ctx: { origin: "web-test", merges: "apply" as const } })),
    );
    assert.deepEqual(
      out.map((o) => `${o.code} ${o.reason ?? ""}`.trim()),
      ["AA", "AA"],
    );
  },
});
const requests = bearerRequests(web, tokens, { accept: "text/html" });

const itemId = async () =>
  (
    await web.t.db.query<{ review_id: string }>(
      "SELECT review_id::text AS review_id FROM mpi_review WHERE status = 'open' AND kind = 'visit-move'",
    )
  )[0]?.review_id;
const spellPerson = async () =>
  (
    await web.t.db.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM hospital_spell WHERE source_system = 'webpas' AND source_record_id = 'VW1'",
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
