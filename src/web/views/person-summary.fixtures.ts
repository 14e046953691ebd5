// Example contexts for person-summary.njk: a full record, an empty one, a break-glass view, demographics only.
import type { ViewFixture } from "./fixtures.ts";
import {
  EMPTY_SUMMARY,
  QUIET_BANNER,
  SAMPLE_BANNER,
  SAMPLE_SUMMARY,
  samplePage,
} from "./partials/person-sample.ts";
import { summaryContext } from "./person-summary.context.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "a frail person with a full record",
    context: summaryContext({ ...samplePage(SAMPLE_BANNER), summary: SAMPLE_SUMMARY }),
  },
  {
    name: "a person with nothing recorded",
    context: summaryContext({ ...samplePage(QUIET_BANNER), summary: EMPTY_SUMMARY }),
  },
  {
    name: "opened by breaking glass, in a care home, deceased",
    context: summaryContext({
      ...samplePage(
        {
          ...SAMPLE_BANNER,
          died: { on: "2016-03-30", provenance: SAMPLE_BANNER.provenance },
          objectionHolders: ["Z90001"],
        },
        { relationship: "break-glass", breakGlassId: "0b1c2d3e-4f50-4a1b-8c2d-3e4f5a6b7c8d" },
      ),
      summary: {
        ...SAMPLE_SUMMARY,
        careHome: {
          home: { code: "ZZH01", name: "Oak Lodge" },
          careType: "nursing",
          placementType: "permanent",
          startedOn: "2015-12-01",
          funding: "nhs-chc",
          provenance: SAMPLE_BANNER.provenance,
        },
      },
    }),
  },
  {
    name: "demographics only (an integration engineer)",
    context: summaryContext({
      ...samplePage(SAMPLE_BANNER, { disclosure: "demographics", relationship: null }),
      summary: null,
    }),
  },
];
