// Example contexts for mpi-review.njk: an empty queue, a page of items, and a decision just recorded.
import { BLOCKED_ITEM, NOW, REVIEW_ITEM, VISIT_MOVE_ITEM } from "./backoffice.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { mpiReviewContext } from "./mpi-review.context.ts";

export const fixtures: ViewFixture[] = [
  { name: "an empty queue", context: mpiReviewContext({ items: [], total: 0 }, 1, NOW) },
  {
    name: "items on the second of three pages",
    context: mpiReviewContext({ items: [BLOCKED_ITEM, REVIEW_ITEM], total: 120 }, 2, NOW),
  },
  {
    name: "a visit move from a hospital's A45 waiting beside a record to link",
    context: mpiReviewContext({ items: [VISIT_MOVE_ITEM, REVIEW_ITEM], total: 2 }, 1, NOW),
  },
  {
    name: "a decision just recorded",
    context: mpiReviewContext({ items: [REVIEW_ITEM], total: 1 }, 1, NOW, "link"),
  },
];
