// The care records as FHIR R4 resources for the FHIR API: a signed-off plan is an active CarePlan with its
// goals contained and actions as activities (owner and due date), its lead and contributors a CareTeam; a draft
// stays a draft; a referral is a ServiceRequest with its priority and reason; each open step a Task.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CARE_IDENTIFIER_SYSTEMS,
  type CarePlan,
  carePlanResource,
  careTeamResource,
  EMPTY_CONTENT,
  planActionTasks,
  type Referral,
  referralTask,
  serviceRequestResource,
} from "../../src/care/index.ts";

const personId = "6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f";
const lead = {
  userId: "u-gp",
  name: "Dr Ada Lovelace",
  role: "gp" as const,
  orgCode: "Z90001",
  orgName: "Riverside",
};

function version(n: number, status: "draft" | "signed-off") {
  return {
    personId,
    planId: "plan-1",
    version: n,
    status,
    content: {
      ...EMPTY_CONTENT,
      whatMattersToMe: "Staying at home with my cat",
      goals: [{ goalId: "g1", description: "Walk to the shops", measure: "200 m with a stick by March" }],
      actions: [
        {
          actionId: "a1",
          description: "Fit a key safe",
          ownerUserId: "u-sw",
          ownerName: "Sam Social",
          ownerOrgCode: "ZZS01",
          dueOn: "2016-02-01",
          goalId: "g1",
          status: "open" as const,
        },
      ],
      consentToShare: { given: true, recordedOn: "2016-01-04", note: "" },
    },
    lead,
    reviewDueOn: "2016-07-01",
    savedAt: `2016-01-0${n}T10:00:00.000Z`,
    savedBy: { userId: "u-gp", name: "Dr Ada Lovelace", teamName: "Riverside practice", orgCode: "Z90001" },
    changes: [],
  };
}

const signed = version(3, "signed-off");
const plan: CarePlan = {
  personId,
  planId: "plan-1",
  latest: signed,
  inForce: signed,
  history: [signed, version(2, "draft"), version(1, "draft")],
  contributors: [
    { name: "Dr Ada Lovelace", organisation: "Z90001" },
    { name: "Sam Social", organisation: "ZZS01" },
  ],
};

test("a signed-off plan is an active CarePlan: goals contained, actions as activities with owner and due date", () => {
  const r = carePlanResource(plan);
  assert.equal(r.resourceType, "CarePlan");
  assert.equal(r.status, "active");
  assert.equal(r.intent, "plan");
  assert.equal(r.meta?.versionId, "3");
  assert.equal(r.subject.reference, `Patient/${personId}`);
  assert.equal(r.author?.display, "Dr Ada Lovelace");
  const goal = r.contained?.find((c) => c.resourceType === "Goal");
  assert.equal(goal?.resourceType === "Goal" && goal.description.text, "Walk to the shops");
  assert.equal(r.activity?.[0].detail?.scheduledPeriod?.end, "2016-02-01");
  assert.equal(r.activity?.[0].detail?.performer?.[0].display, "Sam Social");
  assert.deepEqual(r.activity?.[0].detail?.goal, [{ reference: "#goal-g1" }]);
  assert.ok(r.note?.some((n) => n.text === "What matters to me: Staying at home with my cat"));
  assert.equal(carePlanResource({ ...plan, latest: version(4, "draft") }).status, "draft");
});

test("records written in OnePlace are identified in OnePlace's documented URN systems, never an example domain", () => {
  assert.deepEqual(carePlanResource(plan).identifier, [
    { system: "urn:oneplace:care:care-plan", value: "plan-1" },
  ]);
  for (const system of Object.values(CARE_IDENTIFIER_SYSTEMS)) {
    assert.match(system, /^urn:oneplace:care:[a-z-]+$/);
  }
});

test("the lead professional and contributors are a CareTeam; actions are Tasks for their owners", () => {
  const team = careTeamResource(plan);
  assert.equal(team.participant?.length, 2);
  assert.match(team.participant?.[0].role?.[0].text ?? "", /lead professional \(gp\)/);
  assert.equal(team.participant?.[0].onBehalfOf?.identifier?.value, "Z90001");
  assert.equal(team.participant?.[1].onBehalfOf?.identifier?.value, "ZZS01");
  const [task] = planActionTasks(plan);
  assert.equal(task.status, "requested");
  assert.equal(task.owner?.reference, "Practitioner/u-sw");
  assert.equal(task.restriction?.period?.end, "2016-02-01");
  assert.deepEqual(task.basedOn, [{ reference: "CarePlan/plan-1" }]);
});

test("a referral is a ServiceRequest with priority and reason; its open step a Task due when the service should decide", () => {
  const referral: Referral = {
    personId,
    referralId: "ref-1",
    version: 1,
    service: "reablement",
    serviceCode: "reablement",
    serviceName: "Joint Reablement Team (JRT)",
    serviceKind: "reablement",
    toTeam: { teamId: "t-r", name: "Reablement" },
    fromTeam: { teamId: "t-p", name: "Riverside practice" },
    referredOn: "2016-01-10",
    referredBy: "Dr Ada Lovelace",
    reason: "Home after a fall",
    urgency: "emergency",
    consent: "given",
    dueOn: "2016-01-10",
    status: "awaiting-decision",
    closedOn: null,
    decidedBy: null,
    decidedAt: null,
    declineReason: null,
    outcomeSummary: null,
    episode: null,
    followUp: null,
    sourceSystem: "oneplace-care",
  };
  const sr = serviceRequestResource(referral);
  assert.equal(sr.status, "active");
  assert.equal(sr.priority, "stat");
  assert.equal(sr.reasonCode?.[0].text, "Home after a fall");
  assert.equal(sr.performer?.[0].display, "Reablement");
  const task = referralTask(referral);
  assert.equal(task.status, "requested");
  assert.equal(task.focus?.reference, "ServiceRequest/ref-1");
  assert.equal(task.restriction?.period?.end, "2016-01-10");
  const declined = serviceRequestResource({ ...referral, status: "declined", declineReason: "Not eligible" });
  assert.equal(declined.status, "revoked");
  assert.ok(declined.note?.some((n) => n.text === "Declined: Not eligible"));
  const followUp = referralTask({
    ...referral,
    status: "completed",
    followUp: { dueOn: "2016-04-10", outcome: null, recordedBy: null },
  });
  assert.equal(followUp.description, "Record where the person is 91 days after discharge");
  assert.equal(followUp.restriction?.period?.end, "2016-04-10");
});
