// Example contexts for status.njk: an empty database and a loaded synthetic place.
import type { PlaceSummary } from "../../platform/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { statusContext } from "./status.context.ts";

const kinds = ["Hospital spells", "A&E attendances", "GP coded entries", "Social care services", "Deaths"];

const empty: PlaceSummary = {
  people: 0,
  registeredNow: 0,
  practices: 0,
  localities: 0,
  organisations: 0,
  eventsByKind: kinds.map((kind) => ({ kind, table: kind, rows: 0 })),
  historyFrom: null,
  historyTo: null,
  lastLoad: null,
};

const loaded: PlaceSummary = {
  people: 172_431,
  registeredNow: 168_002,
  practices: 31,
  localities: 4,
  organisations: 52,
  eventsByKind: kinds.map((kind, i) => ({ kind, table: kind, rows: 1_234_567 - i * 200_000 })),
  historyFrom: "2010-04-01",
  historyTo: "2016-03-31",
  lastLoad: { description: "synthetic place", finishedAt: "2016-04-02T09:00:00Z", status: "succeeded" },
};

export const fixtures: ViewFixture[] = [
  { name: "an empty database", context: statusContext("Thurrock (synthetic)", "pglite", empty) },
  { name: "a loaded place", context: statusContext("Thurrock (synthetic)", "postgres", loaded) },
];
