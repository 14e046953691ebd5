// No unknown patients through the web: an ADT A01 sent to the real MLLP listener for someone on a register
// reaches the lead professional's /api/me/notifications within 5 seconds of its ACK; the page lists unread
// first and marks read; people the user may not see are counted, not named; the reads are audited.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  MllpClient,
  type MllpServer,
  parseMessage,
  readAck,
  startMllpServer,
} from "../../src/ingest/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { emergencyA01, leadPlan, putOnRegister } from "../care/fixtures.ts";
import {
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
  TEAMS,
  type TeamKey,
} from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const onRegister = makePerson({ familyName: "Mllpnotified", givenName: "Edith", birthDate: "1936-05-02" });
const stranger = makePerson({ familyName: "Strangerperson" });
const tokens = new Map<string, string>();
const userIds = new Map<string, string>();
let teams: Record<TeamKey, string>;
let mllp: MllpServer;

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    teams = await createTeams(db);
    for (const p of [onRegister, stranger]) await insertPerson(db, p);
    await register(db, onRegister.personId, ORGS.practice);
    await putOnRegister(db, onRegister.personId);
    await leadPlan(db, onRegister.personId, "gp", ORGS.practice);
    for (const [username, role, team] of [
      ["gp.lead", "gp", "practice"],
      ["sw.other", "social-worker", "socialCare"],
      ["ig.notify", "ig-officer", "service"],
    ] as const) {
      userIds.set(username, await createUserInRole(db, username, role, team));
      await addApiToken(db, tokens, "notifications", {
        username,
        roleCode: role,
        teamCode: TEAMS[team].teamCode,
        purpose: role === "ig-officer" ? "administration" : "direct-care",
      });
    }
    await db.query("INSERT INTO ingest_code_map VALUES ('acute-pas', 'ward-kind', 'AMU', 'assessment')");
    mllp = await startMllpServer({ db, port: 0, logger: createLogger({ level: "silent" }) });
  },
});

after(() => mllp?.close());

const requests = bearerRequests(web, tokens);
const get = (url: string, who: string, accept = "application/json") => requests.get(url, who, { accept });
const post = (url: string, who: string, accept = "application/json") =>
  requests.post(url, who, {}, { accept });

const a01 = (at: Date) =>
  emergencyA01(onRegister, {
    at,
    controlId: `notify-${at.getTime()}`,
    recordId: "RH900001",
    visitNumber: "V-NOTIFY-1",
    minutesAgo: 20,
  });

test("an A01 over MLLP for someone on a register reaches the lead professional's notifications within 5 s of the ACK", async () => {
  const before = await get("/api/me/notifications", "gp.lead");
  assert.equal(before.statusCode, 200, before.body);
  assert.equal(before.json().total, 0);

  const client = await MllpClient.connect(mllp.port);
  let acked: number;
  try {
    const ack = readAck(parseMessage(await client.send(a01(new Date()))));
    acked = performance.now();
    assert.equal(ack.code, "AA", JSON.stringify(ack));
  } finally {
    await client.close();
  }
  let found: { notifications: { person: { personId: string } }[] } | null = null;
  while (performance.now() - acked < 5_000) {
    const res = await get("/api/me/notifications?unread=true", "gp.lead");
    assert.equal(res.statusCode, 200, res.body);
    if (res.json().notifications.length > 0) {
      found = res.json();
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const latency = performance.now() - acked;
  assert.ok(found, `no notification within 5 s of the ACK (${Math.round(latency)} ms)`);
  assert.ok(latency < 5_000);
  const [n] = found.notifications as unknown as {
    person: { personId: string; nhsNumber: string; name: { family: string }; disclosure: string };
    admission: { providerCode: string; dischargedAt: string | null };
    team: { teamCode: string };
    reasons: string[];
    readAt: string | null;
  }[];
  assert.equal(n.person.personId, onRegister.personId);
  assert.equal(n.person.name.family, onRegister.familyName);
  assert.equal(n.person.disclosure, "identifiable");
  assert.equal(n.admission.providerCode, ORGS.acute);
  assert.equal(n.admission.dischargedAt, null);
  assert.equal(n.team.teamCode, TEAMS.practice.teamCode);
  assert.deepEqual(n.reasons, ["lead-professional", "registered-practice"]);
  assert.equal(n.readAt, null);

  const [audit] = await web.t.db.query<Record<string, unknown>>(
    "SELECT actor, action, allowed, person_ids, detail, channel FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  assert.deepEqual(audit, {
    actor: "gp.lead",
    action: "list",
    allowed: true,
    person_ids: [onRegister.personId],
    detail: "GET /api/me/notifications",
    channel: "api",
  });
});

test("the lead professional's home page shows the unread admission; a role that is not told of admissions has no panel", async () => {
  const home = await get("/", "gp.lead", "text/html");
  assert.equal(home.statusCode, 200, home.body);
  assert.match(home.body, /Emergency admissions: 1 unread/);
  assert.match(home.body, new RegExp(onRegister.familyName, "i"));
  assert.match(home.body, /href="\/notifications"/);

  const ig = await get("/", "ig.notify", "text/html");
  assert.equal(ig.statusCode, 200, ig.body);
  assert.doesNotMatch(ig.body, /Emergency admissions:/);
});

test("the page lists unread first with the person named; marking read moves it and is only for the recipient", async () => {
  const page = await get("/notifications", "gp.lead", "text/html");
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /<title>Notifications \(1 unread\) – OnePlace<\/title>/);
  assert.match(page.body, /Edith Mllpnotified/);
  assert.match(page.body, /Emergency admission to Synthetic acute trust/);
  assert.match(page.body, /still in hospital/);
  assert.match(
    page.body,
    /You lead their joint care plan; registered with your practice \(Riverside practice\)/,
  );
  const id = /action="\/notifications\/([0-9a-f-]{36})\/read"/.exec(page.body)?.[1];
  assert.ok(id, "a mark-as-read form");

  const someoneElse = await post(`/notifications/${id}/read`, "sw.other");
  assert.equal(someoneElse.statusCode, 404, someoneElse.body);
  assert.equal(someoneElse.json().code, "care.no-such-notification");

  const marked = await post(`/notifications/${id}/read`, "gp.lead");
  assert.equal(marked.statusCode, 200, marked.body);
  assert.deepEqual(marked.json(), { notificationId: id, read: true });
  const fromForm = await post(`/notifications/${id}/read`, "gp.lead", "text/html");
  assert.equal(fromForm.statusCode, 303);
  assert.equal(fromForm.headers.location, "/notifications");

  const after = await get("/api/me/notifications", "gp.lead");
  assert.equal(after.json().unread, 0);
  assert.ok(after.json().notifications[0].readAt);
  assert.equal((await get("/api/me/notifications?unread=true", "gp.lead")).json().notifications.length, 0);
  const again = await get("/notifications", "gp.lead", "text/html");
  assert.match(again.body, /<title>Notifications – OnePlace<\/title>/);
  assert.match(again.body, />\s*Read\s*</);
});

test("a notification about someone the user may not see now is counted, not named, and the audit says so", async () => {
  const db = web.t.db;
  const [spell] = await db.query<{ spell_id: string }>(
    `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
       source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'ZZA01', now() - interval '1 hour', 'elective', 'inpatient', 'test', 'withheld-1', now())
     RETURNING spell_id`,
    [stranger.personId],
  );
  const notificationId = "30000000-0000-4000-8000-000000000001";
  await db.query(
    `INSERT INTO admission_notification VALUES ($1, $2, $3, $4, '{caseload}', 'ZZA01', now() - interval '1 hour', now())`,
    [stranger.personId, notificationId, spell.spell_id, teams.socialCare],
  );
  await db.query(`INSERT INTO admission_notification_delivery VALUES ($1, $2, $3, $4, now(), NULL)`, [
    stranger.personId,
    spell.spell_id,
    userIds.get("sw.other"),
    notificationId,
  ]);
  const res = await get("/api/me/notifications", "sw.other");
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as Record<string, unknown> & { notifications: unknown[] };
  assert.deepEqual(
    { ...body, notifications: body.notifications.length },
    { total: 1, unread: 1, withheld: 1, limit: 25, offset: 0, notifications: 0 },
  );
  assert.doesNotMatch(res.body, /Strangerperson/);
  const [audit] = await db.query<{ action: string; person_ids: string[]; withheld_ids: string[] }>(
    "SELECT action, person_ids, withheld_ids FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  assert.deepEqual(audit, { action: "list", person_ids: [], withheld_ids: [stranger.personId] });
  const page = await get("/notifications", "sw.other", "text/html");
  assert.match(page.body, /1 notification on this page is about people whose record you cannot see now/);
  assert.doesNotMatch(page.body, /Strangerperson/);
});

test("a user with nothing delivered gets an empty list and no audit row about people", async () => {
  const before = (await web.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;
  const res = await get("/api/me/notifications", "ig.notify");
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().total, 0);
  const page = await get("/notifications", "ig.notify", "text/html");
  assert.match(page.body, /You have no notifications/);
  const after = (await web.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;
  assert.equal(after, before);
});

test("notifications are closed to anyone not signed in, and the request schemas hold", async () => {
  const api = await web.app.inject({ method: "GET", url: "/api/me/notifications" });
  assert.equal(api.statusCode, 401);
  const page = await web.app.inject({
    method: "GET",
    url: "/notifications",
    headers: { accept: "text/html" },
  });
  assert.equal(page.statusCode, 303);
  assert.match(String(page.headers.location), /^\/login/);
  const mark = await web.app.inject({
    method: "POST",
    url: "/notifications/30000000-0000-4000-8000-000000000001/read",
    payload: {},
  });
  assert.equal(mark.statusCode, 401);
  assert.equal((await get("/api/me/notifications?limit=1000", "gp.lead")).statusCode, 400);
  assert.equal((await get("/notifications?page=0", "gp.lead")).statusCode, 400);
  const beyond = await get("/notifications?page=7", "gp.lead", "text/html");
  assert.equal(beyond.statusCode, 303, "past the last page: sent to the last page");
  assert.equal(beyond.headers.location, "/notifications");
  assert.equal((await post("/notifications/not-an-id/read", "gp.lead")).statusCode, 400);
});
