// Example data the back-office pages' fixtures share: synthetic people and records, never real ones.
import type { MpiHistory, PersonRecord, ReviewComparison } from "../../governance/index.ts";
import type { FeedHealth, RejectRow } from "../../ingest/index.ts";
import type { ReviewItem } from "../../mpi/index.ts";

export const NOW = new Date("2016-03-31T12:00:00Z");
export const CSRF = "example-csrf-token";
export const PERSON = "3f2c9a4e-1b7d-4c8e-9a01-5d6e7f809a1b";
export const CANDIDATE = "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";

export const REVIEW_ITEM: ReviewItem = {
  reviewId: "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e",
  sourceSystem: "social-care",
  recordId: "SC-004211",
  personId: PERSON,
  candidatePersonId: CANDIDATE,
  score: 15.4,
  comparison: {
    total: 15.4,
    blocking: false,
    fields: [
      { field: "nhs-number", outcome: "missing", weight: 0 },
      { field: "family-name", outcome: "exact", weight: 6.5 },
      { field: "given-name", outcome: "variant", weight: 4.3 },
      { field: "birth-date", outcome: "swapped", weight: 7.9 },
      { field: "sex", outcome: "agree", weight: 1 },
      { field: "postcode", outcome: "different", weight: -2.6 },
    ],
  },
  createdAt: "2016-03-30T09:15:00Z",
  kind: "link",
  detail: {},
};

/** An A45 from a hospital moving a visit onto a person the MPI cannot confirm. */
export const VISIT_MOVE_ITEM: ReviewItem = {
  ...REVIEW_ITEM,
  reviewId: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
  sourceSystem: "pas",
  recordId: "RX1000217",
  score: -4.1,
  kind: "visit-move",
  detail: {
    event: "A45",
    visit: "V-0042",
    toRecordId: "RX1000388",
    why: "the record it moves onto was first seen in this message",
  },
};

export const BLOCKED_ITEM: ReviewItem = {
  ...REVIEW_ITEM,
  reviewId: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  recordId: "SC-009876",
  score: 21.2,
  comparison: {
    ...REVIEW_ITEM.comparison,
    blocking: true,
    fields: REVIEW_ITEM.comparison.fields.map((f) =>
      f.field === "given-name" ? { ...f, outcome: "different", weight: -6.6 } : f,
    ),
  },
};

const record = (more: Partial<PersonRecord>): PersonRecord => ({
  personId: CANDIDATE,
  sourceSystem: "gp",
  sourceRecordId: "G-118822",
  nhsNumber: "9990001234",
  familyName: "Taylor",
  givenName: "Margaret",
  birthDate: "1938-04-09",
  sex: "female",
  postcode: "RM17 6VA",
  ...more,
});

export const WAITING_RECORD = record({
  personId: PERSON,
  sourceSystem: "social-care",
  sourceRecordId: "SC-004211",
  nhsNumber: null,
  givenName: "Peggy",
  birthDate: "1938-09-04",
  postcode: "RM18 4KB",
});

export const CANDIDATE_RECORDS = [
  record({}),
  record({
    sourceSystem: "acute-pas",
    sourceRecordId: "H-55120",
    nhsNumber: "9990001235",
    postcode: "RM16 2ZZ",
  }),
];

export const COMPARISON: ReviewComparison = {
  item: { ...REVIEW_ITEM, status: "open", decidedAt: null, decidedBy: null },
  record: WAITING_RECORD,
  recordPersonRecords: [],
  candidate: {
    personId: CANDIDATE,
    nhsNumber: "9990001234",
    name: { given: "Margaret", family: "Taylor" },
    birthDate: "1938-04-09",
    sex: "female",
    postcode: "RM17 6VA",
    practiceCode: "Z90001",
  },
  candidateRecords: CANDIDATE_RECORDS,
  best: CANDIDATE_RECORDS[0],
  total: 15.4,
  fields: [
    { field: "nhs-number", outcome: "missing", agreement: "missing", weight: 0 },
    { field: "family-name", outcome: "exact", agreement: "agrees", weight: 6.5 },
    { field: "given-name", outcome: "variant", agreement: "close", weight: 4.3 },
    { field: "birth-date", outcome: "swapped", agreement: "close", weight: 7.9 },
    { field: "sex", outcome: "agree", agreement: "agrees", weight: 1 },
    { field: "postcode", outcome: "different", agreement: "differs", weight: -2.6 },
  ],
};

export const HISTORY: MpiHistory = {
  personId: CANDIDATE,
  person: COMPARISON.candidate,
  records: [...CANDIDATE_RECORDS, { ...WAITING_RECORD, personId: CANDIDATE }],
  decisions: [
    {
      decided_at: new Date("2014-01-01T02:00:00Z"),
      decided_by: "mpi",
      kind: "new-person",
      source_system: "gp",
      source_record_id: "G-118822",
      from_person_id: null,
      to_person_id: CANDIDATE,
      score: null,
      reason: "no match",
    },
    {
      decided_at: new Date("2016-03-31T10:00:00Z"),
      decided_by: "jo.engineer",
      kind: "review-link",
      source_system: "social-care",
      source_record_id: "SC-004211",
      from_person_id: PERSON,
      to_person_id: CANDIDATE,
      score: null,
      reason: "Same person: Peggy is Margaret, date of birth keyed day-first",
    },
  ],
  merges: [
    {
      mergeId: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
      survivorPersonId: CANDIDATE,
      retiredPersonId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
      records: 2,
      decidedAt: "2016-03-31T11:00:00Z",
      decidedBy: "jo.engineer",
      reason: "Duplicate registration after a practice move",
      unmergedAt: null,
      unmergedBy: null,
    },
    {
      mergeId: "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c",
      survivorPersonId: CANDIDATE,
      retiredPersonId: "0e1f2a3b-4c5d-4e6f-8a7b-8c9d0e1f2a3b",
      records: 1,
      decidedAt: "2015-06-01T11:00:00Z",
      decidedBy: "hospital A40",
      reason: "A40 merge from the acute trust",
      unmergedAt: "2015-06-02T09:00:00Z",
      unmergedBy: "jo.engineer",
    },
  ],
};

export const REJECT: RejectRow = {
  rejectId: "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
  sourceSystem: "acute-pas",
  format: "hl7",
  layout: null,
  origin: "mllp",
  originKey: "ZZA01:MSG00042",
  location: "message MSG00042",
  reason: "PV1-2: patient class 'Z' is not a known code",
  payload:
    "MSH|^~\\&|PAS|ZZA01|ONEPLACE|ZZ000|20160331110000||ADT^A01|MSG00042|P|2.4\rPID|||H-55120^^^ZZA01^MR||Taylor^Margaret||19380409|F\rPV1||Z",
  context: null,
  receivedAt: "2016-03-31T11:00:02Z",
  status: "open",
  attempts: 1,
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
};

export const CSV_REJECT: RejectRow = {
  ...REJECT,
  rejectId: "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b",
  sourceSystem: "social-care",
  format: "csv",
  layout: "sc-services",
  origin: "services-2016-03.csv",
  originKey: "services-2016-03.csv:12",
  location: "line 12",
  reason: "column service_type: 'XX' is not a known service type",
  payload: "SC-004211,XX,2016-03-01,,council",
  context: "client_id,service_type,start_date,end_date,funding",
  status: "dismissed",
  attempts: 2,
  resolvedAt: "2016-03-31T11:30:00Z",
  resolvedBy: "jo.engineer",
  resolutionNote: "Test row sent by the supplier; resent correctly",
};

export const FEEDS: FeedHealth[] = [
  {
    sourceSystem: "acute-pas",
    lastReceivedAt: "2016-03-31T11:58:00Z",
    received: 48_211,
    rejected: 37,
    rejectRate: 37 / 48_211,
    openRejects: 12,
    heldVisits: 3,
    reviewQueue: 4,
    lagSeconds: 4.2,
    unmapped: [
      { mapName: "ward-kind", field: "PV1-3.1", code: "WD12", occurrences: 41 },
      { mapName: "admission-method", field: "PV1-4", code: "EM", occurrences: 17 },
    ],
  },
  {
    sourceSystem: "community-ehr",
    lastReceivedAt: "2016-03-31T02:00:00Z",
    received: 120_400,
    rejected: 0,
    rejectRate: 0,
    openRejects: 0,
    heldVisits: 0,
    reviewQueue: 1,
    lagSeconds: null,
    unmapped: [],
  },
  {
    sourceSystem: "social-care",
    lastReceivedAt: "2016-03-27T02:00:00Z",
    received: 9_870,
    rejected: 140,
    rejectRate: 140 / 9_870,
    openRejects: 21,
    heldVisits: 0,
    reviewQueue: 55,
    lagSeconds: 5_400,
    unmapped: [],
  },
];
