// Example contexts for ig-break-glass-review.njk: the form, the form with errors, and a reviewed access.
import type { ViewFixture } from "./fixtures.ts";
import { breakGlassReviewContext } from "./ig-break-glass-review.context.ts";
import { exampleAudit, exampleBreakGlass } from "./ig-fixture-data.ts";

const accesses = [
  exampleAudit(10),
  exampleAudit(11, { detail: "GET /people/:personId/timeline" }),
  exampleAudit(12, { allowed: false, reason: "break-glass does not cover exports", action: "export" }),
];

export const fixtures: ViewFixture[] = [
  {
    name: "awaiting review, nothing opened",
    context: breakGlassReviewContext(exampleBreakGlass(), [], "token"),
  },
  {
    name: "the form sent without an outcome or a note",
    context: breakGlassReviewContext(exampleBreakGlass(), accesses, "token", {
      errors: { outcome: "Choose whether the access was appropriate", note: "Enter a review note" },
    }),
  },
  {
    name: "reviewed",
    context: breakGlassReviewContext(
      exampleBreakGlass({
        reviewedAt: "2026-12-04T11:00:00Z",
        reviewedBy: "iggy.officer",
        reviewOutcome: "follow-up",
        reviewNote: "Asked the team manager why there was no allocated worker.",
      }),
      accesses,
      "token",
    ),
  },
];
