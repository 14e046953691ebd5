// Sample MDT meetings for the MDT pages' fixtures (synthetic values only).
import type { Meeting, MeetingSummary } from "../../care/index.ts";
import type { MdtMeetingView, MdtPerson, MdtPersonPage } from "../../governance/index.ts";
import { SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";

const meetingId = "5d6e7f80-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
const other = "6e7f8091-2b3c-4d4e-9f50-6b7c8d9e0f1a";
const gpId = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";

export const SAMPLE_MEETING_SUMMARY: MeetingSummary = {
  meetingId,
  teamId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  title: "Monthly practice MDT",
  heldOn: "2026-03-10",
  startsAt: "13:30",
  location: "Riverside surgery, meeting room 2",
  sourceKind: "practice",
  sourceCode: "Z90001",
  rules: ["very-high-new", "admitted-since-last", "no-plan"],
  tiers: ["very-high", "high"],
  withheld: 1,
  people: 2,
  recorded: 1,
  openActions: 1,
};

export const SAMPLE_MEETING: Meeting = {
  ...SAMPLE_MEETING_SUMMARY,
  attendees: [
    {
      attendeeId: "7f809102-3c4d-4e5f-a061-7c8d9e0f1a2b",
      name: "Dr Ada Okafor",
      role: "GP",
      organisation: "Riverside practice",
    },
    {
      attendeeId: "80910213-4d5e-4f60-b172-8d9e0f1a2b3c",
      name: "Sam Patel",
      role: "Social worker",
      organisation: "Adult social care",
    },
  ],
  items: [
    {
      personId: SAMPLE_BANNER.personId,
      position: 1,
      reasons: ["very-high-new", "no-plan"],
      summary: "Two falls at home this month; lives alone; daughter visits weekly.",
      decisions: "Refer to the falls service and start a joint plan.",
      lead: {
        userId: gpId,
        name: "Dr Ada Okafor",
        role: "gp",
        outcome: "assigned",
        plan: { planId: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", version: 2 },
      },
      plan: { planId: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", outcome: "started", version: 2 },
      recordedAt: "2026-03-10T14:05:00.000Z",
      actions: [
        {
          actionId: "91021324-5e6f-4071-8283-9e0f1a2b3c4d",
          personId: SAMPLE_BANNER.personId,
          meetingId,
          agreedOn: "2026-03-10",
          carried: false,
          description: "Refer to the falls service",
          owner: "Dr Ada Okafor",
          ownerUserId: gpId,
          organisation: "Riverside practice",
          dueOn: "2026-03-20",
          status: "open",
        },
        {
          actionId: "a2132435-6f70-4182-9394-0f1a2b3c4d5e",
          personId: SAMPLE_BANNER.personId,
          meetingId: other,
          agreedOn: "2026-02-10",
          carried: true,
          description: "Carer's assessment offered to the daughter",
          owner: "Sam Patel",
          ownerUserId: null,
          organisation: "Adult social care",
          dueOn: "2026-02-28",
          status: "done",
        },
      ],
    },
    {
      personId: "b3243546-7081-4293-a4a5-1a2b3c4d5e6f",
      position: 2,
      reasons: ["admitted-since-last"],
      summary: "",
      decisions: "",
      lead: null,
      plan: null,
      recordedAt: null,
      actions: [],
    },
  ],
};

const people = new Map<string, MdtPerson>([
  [
    SAMPLE_BANNER.personId,
    {
      personId: SAMPLE_BANNER.personId,
      nhsNumber: "9434765919",
      name: { given: "Mabel", family: "Careplanned" },
      birthDate: "1933-04-21",
      disclosure: null,
    },
  ],
  [
    "b3243546-7081-4293-a4a5-1a2b3c4d5e6f",
    {
      personId: "b3243546-7081-4293-a4a5-1a2b3c4d5e6f",
      nhsNumber: "9434765870",
      name: { given: "Albert", family: "Admitted" },
      birthDate: "1940-01-02",
      disclosure: null,
    },
  ],
]);

export const SAMPLE_VIEW: MdtMeetingView = { meeting: SAMPLE_MEETING, people, withheld: 1 };
export const EMPTY_VIEW: MdtMeetingView = {
  meeting: {
    ...SAMPLE_MEETING,
    people: 0,
    recorded: 0,
    openActions: 0,
    withheld: 0,
    attendees: [],
    items: [],
  },
  people: new Map(),
  withheld: 0,
};

export const SAMPLE_PERSON_PAGE: MdtPersonPage = {
  ...samplePage(SAMPLE_BANNER),
  meeting: { ...SAMPLE_MEETING, items: [SAMPLE_MEETING.items[0]] },
  currentPlanId: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  currentPlanVersion: 3,
};
export const NEW_PERSON_PAGE: MdtPersonPage = {
  ...samplePage(SAMPLE_BANNER),
  meeting: { ...SAMPLE_MEETING, items: [{ ...SAMPLE_MEETING.items[1], personId: SAMPLE_BANNER.personId }] },
  currentPlanId: null,
  currentPlanVersion: null,
};
