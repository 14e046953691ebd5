// Example contexts for person-care-plan-edit.njk: editing a signed-off plan, and a draft with a problem.
import { carePlanEditContext } from "./care.context.ts";
import { DRAFT_PLAN, SAMPLE_STAFF, SIGNED_PLAN } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "editing a signed-off plan",
    context: carePlanEditContext({ ...samplePage(SAMPLE_BANNER), plans: [SIGNED_PLAN] }, SIGNED_PLAN.planId, {
      csrf: "csrf-token",
      staff: SAMPLE_STAFF,
    }),
  },
  {
    name: "a conflicting edit",
    context: carePlanEditContext({ ...samplePage(SAMPLE_BANNER), plans: [DRAFT_PLAN] }, DRAFT_PLAN.planId, {
      csrf: "csrf-token",
      staff: SAMPLE_STAFF,
      errors: [
        {
          text: "Someone else saved this plan while you were editing it. Open the plan again to see their changes.",
        },
      ],
    }),
  },
];
