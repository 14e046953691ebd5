// Example contexts for mpi-review-item.njk: an open item, the form with errors, a decided item, one whose
// candidate was merged away, a hospital's A45 visit move waiting for a decision, one closed because the feed overtook
// it, and one asked again because the candidate changed.
import { COMPARISON, CSRF, VISIT_MOVE_ITEM } from "./backoffice.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { mpiReviewItemContext } from "./mpi-review-item.context.ts";

export const fixtures: ViewFixture[] = [
  { name: "an open item side by side", context: mpiReviewItemContext(COMPARISON, CSRF) },
  {
    name: "the decision form with errors",
    context: mpiReviewItemContext(COMPARISON, CSRF, {
      reason: "no",
      errors: {
        verdict: "Select whether they are the same person",
        reason: "Enter the reason for the decision (at least 5 characters)",
      },
    }),
  },
  {
    name: "a decided item",
    context: mpiReviewItemContext(
      {
        ...COMPARISON,
        item: {
          ...COMPARISON.item,
          status: "linked",
          decidedAt: "2016-03-31T10:00:00Z",
          decidedBy: "jo.engineer",
        },
      },
      CSRF,
    ),
  },
  {
    name: "a candidate merged away (empty comparison)",
    context: mpiReviewItemContext(
      { ...COMPARISON, candidate: null, candidateRecords: [], best: null, total: null, fields: [] },
      CSRF,
    ),
  },
  {
    name: "a visit move from a hospital's A45 waiting for a decision",
    context: mpiReviewItemContext(
      {
        ...COMPARISON,
        item: { ...COMPARISON.item, ...VISIT_MOVE_ITEM, status: "open", decidedAt: null, decidedBy: null },
      },
      CSRF,
    ),
  },
  {
    name: "a visit move closed because the feed deleted the record it was to move onto",
    context: mpiReviewItemContext(
      {
        ...COMPARISON,
        item: {
          ...COMPARISON.item,
          ...VISIT_MOVE_ITEM,
          detail: {
            ...VISIT_MOVE_ITEM.detail,
            closed:
              "record RX1000388, which the visit was to move onto, was deleted by pas after this item was queued; the visit stays with record RX1000217",
          },
          status: "superseded",
          decidedAt: "2016-03-31T10:00:00Z",
          decidedBy: "jo.engineer",
        },
      },
      CSRF,
    ),
  },
  {
    name: "a visit move whose candidate changed while the reviewer looked",
    context: mpiReviewItemContext(
      {
        ...COMPARISON,
        item: { ...COMPARISON.item, ...VISIT_MOVE_ITEM, status: "open", decidedAt: null, decidedBy: null },
      },
      CSRF,
      {
        verdict: "link",
        reason: "ward clerk confirmed",
        errors: {
          other:
            "The candidate changed since you opened this item (their records were merged or linked elsewhere): nothing was decided. Compare the record with the candidate shown now.",
        },
      },
    ),
  },
];
