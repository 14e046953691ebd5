// Example contexts for mpi-review-item.njk: an open item, the form with errors, a decided item, one whose
// candidate was merged away, and a hospital's A45 visit move waiting for a decision.
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
];
