// Example reader answers for the citizen's pages (made-up people), turned into page contexts through
// citizen.context.ts as the routes do, for the citizen-*.fixtures.ts files.
import type {
  CitizenCareTeamView,
  CitizenContributionsView,
  CitizenPerson,
  CitizenPlanView,
  CitizenReferralsView,
  CitizenSharingView,
  RecordAccessView,
} from "../../governance/index.ts";
import { citizenShell } from "./citizen.context.ts";

export const SIGNED_IN = (current: string) => citizenShell({ csrf: "fixture-csrf-token", current });

export const PERSON: CitizenPerson = {
  name: { given: "Edith", family: "Example" },
  practice: { code: "F81001", name: "Grays Health Centre" },
};

const LEAD = {
  userId: "00000000-0000-4000-8000-000000000001",
  role: "community-matron" as const,
  orgCode: "RWN",
  name: "Sam Matron",
  orgName: "Essex Community Services",
};

export const PLAN: CitizenPlanView = {
  person: PERSON,
  draftInProgress: false,
  plan: {
    personId: "00000000-0000-4000-8000-0000000000aa",
    planId: "00000000-0000-4000-8000-0000000000bb",
    version: 3,
    status: "signed-off",
    content: {
      whatMattersToMe: "Staying in my own home and seeing my grandchildren on Sundays.",
      strengths: "My daughter visits every day.",
      needs: "Help with washing in the morning.",
      goals: [
        {
          goalId: "g1",
          description: "To walk to the shops again",
          measure: "Walks 200 metres with a stick by March",
        },
      ],
      actions: [
        {
          actionId: "a1",
          description: "Fit a key safe",
          ownerUserId: "u1",
          ownerName: "Alex Social Worker",
          ownerOrgCode: "TH",
          dueOn: "2026-12-20",
          goalId: null,
          status: "open",
        },
        {
          actionId: "a2",
          description: "Physiotherapy at home",
          ownerUserId: "u2",
          ownerName: "Priya Physio",
          ownerOrgCode: "RWN",
          dueOn: "2026-11-30",
          goalId: "g1",
          status: "done",
        },
      ],
      contingency: "If I get more breathless, call the community matron the same day.",
      crisis: "Call the rapid response team on 01375 000000, or 999 in an emergency.",
      carer: null,
      endOfLife: "",
      consentToShare: { given: true, recordedOn: "2026-10-01", note: "" },
    },
    lead: LEAD,
    reviewDueOn: "2027-03-01",
    savedAt: "2026-10-01T10:00:00.000Z",
    savedBy: { userId: "u3", name: "Dr Example", teamName: "Grays MDT", orgCode: "F81001" },
    changes: [],
  },
};

export const REFERRALS: CitizenReferralsView = {
  person: PERSON,
  referrals: (
    [
      ["Reablement", "accepted", null, null],
      ["Telecare", "declined", "You already have a pendant alarm.", null],
      ["Local Area Coordinator", "completed", null, "Joined a lunch club on Wednesdays."],
      ["Intermediate care beds", "awaiting-decision", null, null],
    ] as const
  ).map(([name, status, declineReason, outcome], i) => ({
    personId: "p",
    referralId: `r${i}`,
    version: 1,
    service: name.toLowerCase(),
    serviceCode: null,
    serviceName: name,
    serviceKind: null,
    toTeam: { teamId: "t", name: `${name} team` },
    fromTeam: null,
    referredOn: `2026-11-0${i + 1}`,
    referredBy: null,
    reason: "To help you get back on your feet after hospital.",
    urgency: null,
    consent: "given",
    dueOn: null,
    status,
    closedOn: null,
    decidedBy: null,
    decidedAt: null,
    declineReason,
    outcomeSummary: outcome,
    episode: null,
    followUp: null,
    sourceSystem: "oneplace-care",
  })),
};

const provenance = { sourceSystem: "gp", sourceRecordId: "1", receivedAt: "2026-01-01T00:00:00Z" };
export const CARE_TEAM: CitizenCareTeamView = {
  person: PERSON,
  lead: LEAD,
  current: [
    {
      why: "registration",
      team: "Grays Health Centre",
      teamCode: "F81001",
      professional: null,
      detail: null,
      from: "2001-04-01",
      to: null,
      current: true,
      provenance,
    },
    {
      why: "caseload",
      team: "Grays district nursing",
      teamCode: "DN1",
      professional: "Jo Nurse",
      detail: null,
      from: "2026-09-01",
      to: null,
      current: true,
      provenance,
    },
  ],
};

export const ACCESS: RecordAccessView = {
  person: PERSON,
  total: 30,
  page: 1,
  pageSize: 25,
  accesses: [
    {
      at: "2026-12-01T09:30:00.000Z",
      organisation: "Grays Health Centre",
      role: "GP",
      what: "Looked at your record",
      emergency: false,
      refused: false,
    },
    {
      at: "2026-11-28T22:10:00.000Z",
      organisation: "Basildon University Hospital",
      role: "Emergency department clinician",
      what: "Looked at your record",
      emergency: true,
      refused: false,
    },
    {
      at: "2026-11-20T14:00:00.000Z",
      organisation: "Thurrock Council",
      role: "Social worker",
      what: "Tried to see your record but was not allowed",
      emergency: false,
      refused: true,
    },
  ],
};

export const SHARING: CitizenSharingView = {
  person: PERSON,
  current: [],
  heldByOthers: [],
  withdrawn: [],
  cannotRecord: null,
};
export const OBJECTING: CitizenSharingView = {
  ...SHARING,
  current: [
    {
      objectionId: "o1",
      holdingOrgCode: "F81001",
      holdingOrgName: "Grays Health Centre",
      recordedOn: "2026-12-01",
      withdrawnOn: null,
      source: "the person, signed in through NHS login",
      sourceSystem: "oneplace-citizen",
      receivedAt: "2026-12-01T10:00:00Z",
    },
  ],
};

/** An objection the council recorded, still in force after the person withdrew their own. */
const COUNCIL_OBJECTION = {
  objectionId: "o2",
  holdingOrgCode: "ZZS01",
  holdingOrgName: "Thurrock Council adult social care",
  recordedOn: "2025-03-10",
  withdrawnOn: null,
  source: "social care record",
  sourceSystem: "council-case-system",
  receivedAt: "2025-03-10T09:00:00Z",
};
export const HELD_BY_OTHERS: CitizenSharingView = {
  ...SHARING,
  current: [COUNCIL_OBJECTION],
  heldByOthers: [COUNCIL_OBJECTION],
};

const CONTRIBUTION = {
  personId: "00000000-0000-4000-8000-0000000000aa",
  byProxy: false,
  decidedAt: null,
  decidedBy: null,
  planVersion: null,
  closedReason: null,
};

export const CONTRIBUTIONS: CitizenContributionsView = {
  person: PERSON,
  hasPlan: true,
  contributions: [
    {
      ...CONTRIBUTION,
      contributionId: "00000000-0000-4000-8000-0000000000c1",
      kind: "what-matters",
      body: "Getting to church on Sundays with my neighbour.",
      submittedAt: "2026-11-30T10:00:00.000Z",
      status: "waiting",
    },
    {
      ...CONTRIBUTION,
      contributionId: "00000000-0000-4000-8000-0000000000c2",
      kind: "goal",
      body: "To walk to the post office again.",
      submittedAt: "2026-11-02T10:00:00.000Z",
      status: "taken",
      decidedAt: "2026-11-10T09:00:00.000Z",
      decidedBy: "Sam Matron",
      planVersion: 4,
    },
    {
      ...CONTRIBUTION,
      contributionId: "00000000-0000-4000-8000-0000000000c3",
      kind: "preference",
      body: "Visits after 10 in the morning.",
      submittedAt: "2026-10-12T10:00:00.000Z",
      byProxy: true,
      status: "closed",
      decidedAt: "2026-10-20T09:00:00.000Z",
      decidedBy: "Sam Matron",
      closedReason: "We talked about this at your review and changed the visit times with you.",
    },
  ],
};
