// Example contexts for ig-break-glass.njk: nothing to review, a queue with reviews, one just reviewed.
import type { ViewFixture } from "./fixtures.ts";
import { breakGlassListContext } from "./ig-break-glass.context.ts";
import { exampleBreakGlass } from "./ig-fixture-data.ts";

const reviewed = exampleBreakGlass({
  breakGlassId: "1b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
  reviewedAt: "2026-12-04T11:00:00Z",
  reviewedBy: "iggy.officer",
  reviewOutcome: "appropriate",
  reviewNote: "Checked with the duty manager: safeguarding referral made the same day.",
});

export const fixtures: ViewFixture[] = [
  {
    name: "nothing awaiting review, nothing reviewed",
    context: breakGlassListContext({
      awaiting: { total: 0, rows: [] },
      reviewed: { total: 0, rows: [] },
      page: 1,
      pageSize: 25,
    }),
  },
  {
    name: "accesses awaiting review and a page of reviewed ones",
    context: breakGlassListContext(
      {
        awaiting: {
          total: 2,
          rows: [exampleBreakGlass(), exampleBreakGlass({ username: "dr.locum", roleName: "GP" })],
        },
        reviewed: {
          total: 60,
          rows: [
            reviewed,
            {
              ...reviewed,
              breakGlassId: "2b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
              reviewOutcome: "not-appropriate",
            },
          ],
        },
        page: 2,
        pageSize: 25,
      },
      reviewed,
    ),
  },
];
