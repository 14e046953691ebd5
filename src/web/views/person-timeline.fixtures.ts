// Example contexts for person-timeline.njk: several pages of events across organisations, a filter that
// matches nothing, and a person with no events.
import type { TimelinePage } from "../../governance/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { QUIET_BANNER, SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";
import { timelineContext } from "./person-timeline.context.ts";

const events: TimelinePage["events"] = [
  {
    at: "2016-03-28T22:15:00Z",
    endedAt: null,
    kind: "hospital-spell",
    organisation: "ZZA01",
    organisationName: "Basildon Hospital",
    detail: "emergency inpatient 300 I50.0",
    description: null,
    sourceSystem: "pas-zza01",
    sourceRecordId: "S123",
    receivedAt: "2016-03-28T22:16:03Z",
    codeSystem: null,
    code: null,
  },
  {
    at: "2016-03-01",
    endedAt: null,
    kind: "gp-entry",
    organisation: "Z90001",
    organisationName: "Riverside Surgery",
    detail: "condition snomed 161898004",
    description: "Falls",
    sourceSystem: "gp-z90001",
    sourceRecordId: "E1",
    receivedAt: "2016-03-02T01:00:00Z",
    codeSystem: "snomed",
    code: "161898004",
  },
  {
    at: "2015-11-02",
    endedAt: "2016-01-10",
    kind: "social-care-service",
    organisation: null,
    organisationName: null,
    detail: "home-care council",
    description: null,
    sourceSystem: "council-lcs",
    sourceRecordId: "SC1",
    receivedAt: "2015-11-03T08:00:00Z",
    codeSystem: null,
    code: null,
  },
];

const full: TimelinePage = {
  events,
  total: 140,
  all: 140,
  page: 2,
  pages: 3,
  kinds: [
    { kind: "gp-entry", count: 120 },
    { kind: "hospital-spell", count: 4 },
    { kind: "social-care-service", count: 16 },
  ],
  organisations: [
    { code: "ZZA01", name: "Basildon Hospital", count: 4 },
    { code: "Z90001", name: "Riverside Surgery", count: 120 },
  ],
};

export const fixtures: ViewFixture[] = [
  {
    name: "page 2 of 3 across organisations",
    context: timelineContext(
      { ...samplePage(SAMPLE_BANNER), timeline: full },
      { kind: null, organisation: null },
    ),
  },
  {
    name: "a filter that matches nothing",
    context: timelineContext(
      { ...samplePage(SAMPLE_BANNER), timeline: { ...full, events: [], total: 0, page: 1, pages: 1 } },
      { kind: "hospital-spell", organisation: "Z90001" },
    ),
  },
  {
    name: "no events at all",
    context: timelineContext(
      {
        ...samplePage(QUIET_BANNER),
        timeline: { events: [], total: 0, all: 0, page: 1, pages: 1, kinds: [], organisations: [] },
      },
      { kind: null, organisation: null },
    ),
  },
];
