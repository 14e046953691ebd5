// Example contexts for person-care-plan-print.njk: the printable plan, and a plan that is not there.
import { carePlanPrintContext } from "./care.context.ts";
import { SIGNED_PLAN } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "a signed-off plan",
    context: carePlanPrintContext({ ...samplePage(SAMPLE_BANNER), plans: [SIGNED_PLAN] }, SIGNED_PLAN.planId),
  },
  {
    name: "no such plan",
    context: carePlanPrintContext({ ...samplePage(SAMPLE_BANNER), plans: [] }, SIGNED_PLAN.planId),
  },
];
