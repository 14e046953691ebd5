// Example care records for the care pages' fixtures: a signed-off plan with goals, actions and history, a
// draft with nothing but its author, referrals in each state, staff and the directory. Synthetic only.
import type { CarePlan, CareService, PlanVersion, Referral } from "../../care/index.ts";
import { EMPTY_CONTENT } from "../../care/index.ts";
import type { StaffMember, Worklist } from "../../governance/index.ts";
import { SAMPLE_BANNER } from "./partials/person-sample.ts";

const personId = SAMPLE_BANNER.personId;
const planId = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const gp = { userId: "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", name: "Dr Ada Okafor" };
const sw = { userId: "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", name: "Sam Patel" };

export const SAMPLE_STAFF: StaffMember[] = [
  {
    ...gp,
    teamId: "3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a",
    teamName: "Riverside practice",
    orgCode: "Z90001",
    roleName: "GP",
  },
  {
    ...sw,
    teamId: "4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b",
    teamName: "Adult social care",
    orgCode: "ZZS01",
    roleName: "Social worker",
  },
];

function version(
  n: number,
  status: PlanVersion["status"],
  by: { userId: string; name: string },
  changes: PlanVersion["changes"],
): PlanVersion {
  return {
    personId,
    planId,
    version: n,
    status,
    content: {
      ...EMPTY_CONTENT,
      whatMattersToMe: "Staying in my own home with my cat, and seeing my grandchildren on Sundays",
      strengths: "Walks to the corner shop most days; close to her daughter",
      needs: "Help with shopping and medicines; two falls at night since January",
      contingency: "If she is more confused than usual, her daughter calls the practice before 11am",
      crisis:
        "Call the rapid response team; do not call an ambulance unless she has fallen and cannot get up",
      carer: {
        name: "Jo Marsh",
        relationship: "daughter",
        needs: "A break one day a week",
        assessmentOffered: true,
      },
      goals: [
        { goalId: "g-1", description: "To walk to the shops again", measure: "200 m with a stick by March" },
      ],
      actions: [
        {
          actionId: "a-1",
          description: "Fit a key safe",
          ownerUserId: sw.userId,
          ownerName: sw.name,
          ownerOrgCode: "ZZS01",
          dueOn: "2016-02-01",
          goalId: null,
          status: "open",
        },
        {
          actionId: "a-2",
          description: "Medication review",
          ownerUserId: gp.userId,
          ownerName: gp.name,
          ownerOrgCode: "Z90001",
          dueOn: "2016-01-20",
          goalId: "g-1",
          status: "done",
        },
      ],
      consentToShare: { given: true, recordedOn: "2016-01-04", note: "Agreed at the practice MDT" },
    },
    lead: { userId: gp.userId, name: gp.name, role: "gp", orgCode: "Z90001", orgName: "Riverside Surgery" },
    reviewDueOn: "2016-07-01",
    savedAt: `2016-01-0${n}T10:15:00.000Z`,
    savedBy:
      by.userId === gp.userId
        ? { ...by, teamName: "Riverside practice", orgCode: "Z90001" }
        : { ...by, teamName: "Adult social care", orgCode: "ZZS01" },
    changes,
  };
}

const v3 = version(3, "signed-off", gp, [
  { field: "Plan", change: "changed", summary: "signed off; review due 2016-07-01" },
]);
export const SIGNED_PLAN: CarePlan = {
  personId,
  planId,
  latest: v3,
  inForce: v3,
  history: [
    v3,
    version(2, "draft", sw, [
      { field: "Action", change: "added", summary: "Fit a key safe (Sam Patel, by 2016-02-01)" },
    ]),
    version(1, "draft", gp, [{ field: "Plan", change: "added", summary: "started as a draft" }]),
  ],
  contributors: [
    { name: gp.name, organisation: "Z90001" },
    { name: sw.name, organisation: "ZZS01" },
  ],
};

const draft: PlanVersion = {
  ...version(1, "draft", gp, [{ field: "Plan", change: "added", summary: "started as a draft" }]),
  content: EMPTY_CONTENT,
  lead: null,
  reviewDueOn: null,
};
export const DRAFT_PLAN: CarePlan = {
  personId,
  planId,
  latest: draft,
  inForce: null,
  history: [draft],
  contributors: [{ name: gp.name, organisation: "Z90001" }],
};

export const SAMPLE_REFERRAL: Referral = {
  personId,
  referralId: "5f6a7b8c-9d0e-4f1a-8b2c-4d5e6f7a8b9c",
  version: 2,
  service: "reablement",
  serviceCode: "reablement",
  serviceName: "Joint Reablement Team (JRT)",
  serviceKind: "reablement",
  toTeam: { teamId: "6a7b8c9d-0e1f-4a2b-9c3d-5e6f7a8b9c0d", name: "Reablement" },
  fromTeam: { teamId: SAMPLE_STAFF[0].teamId, name: "Riverside practice" },
  referredOn: "2016-01-10",
  referredBy: gp.name,
  reason: "Home after a fall; needs help to regain confidence with washing and dressing",
  urgency: "urgent",
  consent: "given",
  dueOn: "2016-01-10",
  status: "accepted",
  closedOn: null,
  decidedBy: "Reablement worker",
  decidedAt: "2016-01-10T14:00:00.000Z",
  declineReason: null,
  outcomeSummary: null,
  episode: null,
  followUp: null,
  sourceSystem: "oneplace-care",
};

export const SAMPLE_SERVICES: CareService[] = [
  {
    serviceCode: "reablement",
    name: "Joint Reablement Team (JRT)",
    provider: "Thurrock Council with community health services",
    description: "Up to six weeks of support at home to regain independence.",
    teamCode: "reablement",
    team: { teamId: SAMPLE_REFERRAL.toTeam.teamId, name: "Reablement", orgCode: "ZZS01" },
    minAge: 18,
    maxAge: null,
    efiCategories: [],
    riskTiers: [],
    localities: [],
    hours: "7am to 10pm, 7 days a week",
    responseTime: "First visit within 24 hours of discharge",
    responseDays: 1,
    howToRefer: "Refer through OnePlace",
    kind: "reablement",
    bcfScheme: "Rapid Response Assessment Service and Reablement",
    active: true,
    source: "seed",
  },
  {
    serviceCode: "voluntary-services",
    name: "Voluntary and community services (Thurrock CVS)",
    provider: "Thurrock Council for Voluntary Service",
    description: "Befriending, transport and lunch clubs.",
    teamCode: "thurrock-cvs",
    team: null,
    minAge: 18,
    maxAge: null,
    efiCategories: ["mild", "moderate"],
    riskTiers: ["high"],
    localities: [],
    hours: "Monday to Friday",
    responseTime: "Contact within 10 working days",
    responseDays: 10,
    howToRefer: "Telephone or email Thurrock CVS",
    kind: "voluntary",
    bcfScheme: "Voluntary Services",
    active: true,
    source: "seed",
  },
];

export const SAMPLE_WORKLIST: Worklist = {
  overdue: 1,
  withheld: 2,
  items: [
    {
      kind: "plan-action",
      personId,
      recordId: planId,
      title: "Fit a key safe",
      dueOn: "2016-02-01",
      overdue: true,
      person: {
        personId,
        nhsNumber: "9990001237",
        name: { given: "Edith", family: "Marsh" },
        birthDate: "1931-06-14",
        disclosure: "identifiable",
      },
    },
    {
      kind: "referral-decision",
      personId,
      recordId: SAMPLE_REFERRAL.referralId,
      title: "Accept or decline the referral",
      dueOn: "2030-01-01",
      overdue: false,
      person: {
        personId,
        nhsNumber: "9990001237",
        name: { given: "Edith", family: "Marsh" },
        birthDate: "1931-06-14",
        disclosure: "identifiable",
      },
    },
  ],
};
