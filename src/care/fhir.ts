// Care plans and referrals as FHIR R4 resources, for the FHIR API to expose (it decides access and audits; these
// are pure renderings of records already read through the governed reader). The plan in its latest version is
// a CarePlan (draft, active, completed) with goals contained and actions as activities; its lead professional
// and contributors a CareTeam; each referral a ServiceRequest; each open action or referral step a Task.
import type { CareTeam, CarePlan as FhirCarePlan, Goal, ServiceRequest, Task } from "fhir/r4.js";
import type { AgendaItem, MeetingSummary } from "./mdt.ts";
import type { CarePlan } from "./plan-store.ts";
import type { Referral } from "./referrals.ts";

/**
 * The identifier systems of records written in OnePlace: documented OnePlace URNs (README, "Identifier
 * systems"), the same in every deployment, so an identifier read back names the same record wherever it is
 * served; never a web domain OnePlace does not own. Plans, referrals and MDT actions each have their own.
 */
export const ONEPLACE_SYSTEM = "urn:oneplace:care";
export const CARE_IDENTIFIER_SYSTEMS = {
  carePlan: `${ONEPLACE_SYSTEM}:care-plan`,
  referral: `${ONEPLACE_SYSTEM}:referral`,
  mdtAction: `${ONEPLACE_SYSTEM}:mdt-action`,
} as const;
const ODS = "https://fhir.nhs.uk/Id/ods-organization-code";

const patient = (personId: string) => ({ reference: `Patient/${personId}` });
const practitioner = (userId: string, display?: string) => ({
  reference: `Practitioner/${userId}`,
  ...(display ? { display } : {}),
});
const organisation = (code: string) => ({ identifier: { system: ODS, value: code } });

const PLAN_STATUS = { draft: "draft", "signed-off": "active", ended: "completed" } as const;

export function carePlanResource(plan: CarePlan): FhirCarePlan {
  const v = plan.latest;
  const goals: Goal[] = v.content.goals.map((g) => ({
    resourceType: "Goal",
    id: `goal-${g.goalId}`,
    lifecycleStatus: "active",
    description: { text: g.description },
    subject: patient(plan.personId),
    ...(g.measure ? { target: [{ measure: { text: g.measure } }] } : {}),
  }));
  const notes = [
    ["What matters to me", v.content.whatMattersToMe],
    ["Strengths", v.content.strengths],
    ["Needs", v.content.needs],
    ["Contingency plan", v.content.contingency],
    ["Crisis plan", v.content.crisis],
    ["End of life preferences", v.content.endOfLife],
    [
      "Carer",
      v.content.carer
        ? `${v.content.carer.name} (${v.content.carer.relationship}): ${v.content.carer.needs}${v.content.carer.assessmentOffered ? "; carer's assessment offered" : ""}`
        : "",
    ],
    [
      "Consent to share",
      v.content.consentToShare.given
        ? `given${v.content.consentToShare.recordedOn ? ` on ${v.content.consentToShare.recordedOn}` : ""}`
        : "not recorded",
    ],
  ].filter(([, text]) => text !== "");
  return {
    resourceType: "CarePlan",
    id: plan.planId,
    meta: { versionId: String(v.version), lastUpdated: v.savedAt },
    identifier: [{ system: CARE_IDENTIFIER_SYSTEMS.carePlan, value: plan.planId }],
    status: PLAN_STATUS[v.status],
    intent: "plan",
    category: [{ text: "Joint health and social care plan" }],
    title: "Joint health and social care plan",
    subject: patient(plan.personId),
    ...(plan.inForce
      ? { period: { start: plan.history.at(-1)?.savedAt.slice(0, 10), end: v.reviewDueOn ?? undefined } }
      : {}),
    created: plan.history.at(-1)?.savedAt,
    ...(v.lead ? { author: practitioner(v.lead.userId, v.lead.name) } : {}),
    contributor: plan.contributors.map((c) => ({
      display: c.organisation ? `${c.name} (${c.organisation})` : c.name,
    })),
    careTeam: [{ reference: `#careteam-${plan.planId}` }],
    contained: [...goals, careTeamResource(plan, `careteam-${plan.planId}`)],
    goal: goals.map((g) => ({ reference: `#${g.id}` })),
    activity: v.content.actions.map((a) => ({
      detail: {
        status: a.status === "done" ? "completed" : a.status === "cancelled" ? "cancelled" : "not-started",
        description: a.description,
        performer: [practitioner(a.ownerUserId, a.ownerName)],
        scheduledPeriod: { end: a.dueOn },
        ...(a.goalId ? { goal: [{ reference: `#goal-${a.goalId}` }] } : {}),
      },
    })),
    note: notes.map(([title, text]) => ({ text: `${title}: ${text}` })),
  };
}

/** The lead professional and contributors as a CareTeam; `id` lets a CarePlan contain it. */
export function careTeamResource(plan: CarePlan, id = `careteam-${plan.planId}`): CareTeam {
  const lead = plan.latest.lead ?? plan.inForce?.lead ?? null;
  return {
    resourceType: "CareTeam",
    id,
    status: plan.latest.status === "ended" ? "inactive" : "active",
    name: "Joint care plan team",
    subject: patient(plan.personId),
    participant: [
      ...(lead
        ? [
            {
              role: [{ text: `Accountable lead professional (${lead.role.replaceAll("-", " ")})` }],
              member: practitioner(lead.userId, lead.name),
              onBehalfOf: organisation(lead.orgCode),
            },
          ]
        : []),
      ...plan.contributors
        .filter((c) => c.name !== lead?.name)
        .map((c) => ({
          role: [{ text: "Contributor" }],
          member: { display: c.name },
          ...(c.organisation ? { onBehalfOf: organisation(c.organisation) } : {}),
        })),
    ],
  };
}

const REFERRAL_STATUS = {
  "awaiting-decision": "active",
  accepted: "active",
  declined: "revoked",
  completed: "completed",
  withdrawn: "revoked",
} as const;

const PRIORITY = { routine: "routine", urgent: "urgent", emergency: "stat" } as const;

export function serviceRequestResource(r: Referral): ServiceRequest {
  return {
    resourceType: "ServiceRequest",
    id: r.referralId,
    meta: { versionId: String(r.version) },
    identifier: [{ system: CARE_IDENTIFIER_SYSTEMS.referral, value: r.referralId }],
    status: REFERRAL_STATUS[r.status],
    intent: "order",
    category: [{ text: "Referral" }],
    ...(r.urgency ? { priority: PRIORITY[r.urgency] } : {}),
    code: { text: r.serviceName },
    subject: patient(r.personId),
    authoredOn: r.referredOn,
    ...(r.fromTeam ? { requester: { display: r.fromTeam.name } } : {}),
    performer: [{ display: r.toTeam.name }],
    ...(r.reason ? { reasonCode: [{ text: r.reason }] } : {}),
    ...(r.consent
      ? {
          supportingInfo: [
            { display: r.consent === "given" ? "Consent given" : "Referred in best interests" },
          ],
        }
      : {}),
    note: [
      ...(r.declineReason ? [{ text: `Declined: ${r.declineReason}` }] : []),
      ...(r.outcomeSummary ? [{ text: `Outcome: ${r.outcomeSummary}` }] : []),
      ...(r.followUp?.outcome
        ? [{ text: `91 days after discharge: ${r.followUp.outcome.replaceAll("-", " ")}` }]
        : []),
    ],
  };
}

/** The referral's current step as a Task for the receiving team (awaiting decision, completion, follow-up). */
export function referralTask(r: Referral): Task {
  const step =
    r.status === "awaiting-decision"
      ? { text: "Accept or decline the referral", status: "requested" as const, due: r.dueOn }
      : r.status === "accepted"
        ? { text: "Complete the referral with its outcome", status: "in-progress" as const, due: null }
        : r.followUp && !r.followUp.outcome
          ? {
              text: "Record where the person is 91 days after discharge",
              status: "requested" as const,
              due: r.followUp.dueOn,
            }
          : {
              text: "Referral closed",
              status: r.status === "declined" ? ("rejected" as const) : ("completed" as const),
              due: null,
            };
  return {
    resourceType: "Task",
    id: `referral-${r.referralId}-v${r.version}`,
    status: step.status,
    intent: "order",
    description: step.text,
    focus: { reference: `ServiceRequest/${r.referralId}` },
    for: patient(r.personId),
    authoredOn: r.referredOn,
    owner: { display: r.toTeam.name },
    ...(step.due ? { restriction: { period: { end: step.due } } } : {}),
  };
}

/** Each of the plan's actions as a Task for its owner, due by its date. */
export function planActionTasks(plan: CarePlan): Task[] {
  return plan.latest.content.actions.map((a) => ({
    resourceType: "Task",
    id: `action-${a.actionId}`,
    status: a.status === "done" ? "completed" : a.status === "cancelled" ? "cancelled" : "requested",
    intent: "plan",
    description: a.description,
    basedOn: [{ reference: `CarePlan/${plan.planId}` }],
    for: patient(plan.personId),
    owner: practitioner(a.ownerUserId, a.ownerName),
    restriction: { period: { end: a.dueOn } },
  }));
}

/**
 * An MDT meeting's outcome for one person as Tasks: each action agreed (or carried) for the owner named, due by
 * its date, with the meeting's decisions as a note on the first; the team and the plan it started or reviewed
 * are referenced. Owners of MDT actions are named people, not always OnePlace users: the owner is a display.
 */
export function mdtOutcomeTasks(meeting: MeetingSummary, item: AgendaItem): Task[] {
  return item.actions.map((a, n) => ({
    resourceType: "Task",
    id: `mdt-action-${a.actionId}`,
    identifier: [{ system: CARE_IDENTIFIER_SYSTEMS.mdtAction, value: a.actionId }],
    status: a.status === "done" ? "completed" : a.status === "cancelled" ? "cancelled" : "requested",
    intent: "plan",
    description: a.description,
    for: patient(item.personId),
    authoredOn: a.agreedOn,
    requester: { reference: `CareTeam/mdt-${meeting.teamId}`, display: meeting.title },
    owner: { display: `${a.owner}, ${a.organisation}` },
    restriction: { period: { end: a.dueOn } },
    ...(item.plan ? { basedOn: [{ reference: `CarePlan/${item.plan.planId}` }] } : {}),
    ...(n === 0 && item.decisions ? { note: [{ text: item.decisions }] } : {}),
  }));
}
