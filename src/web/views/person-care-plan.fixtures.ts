// Example contexts for person-care-plan.njk: a signed-off plan with referrals, a draft refused sign-off, no plan.
import { carePlanTabContext } from "./care.context.ts";
import { DRAFT_PLAN, SAMPLE_REFERRAL, SAMPLE_STAFF, SIGNED_PLAN } from "./care.fixtures-data.ts";
import { CONTRIBUTIONS } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { QUIET_BANNER, SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";

const extra = { csrf: "csrf-token", staff: SAMPLE_STAFF };

export const fixtures: ViewFixture[] = [
  {
    name: "a signed-off plan with goals, actions, history and referrals",
    context: carePlanTabContext(
      { ...samplePage(SAMPLE_BANNER), plans: [SIGNED_PLAN], referrals: [SAMPLE_REFERRAL] },
      extra,
    ),
  },
  {
    name: "a draft refused sign-off",
    context: carePlanTabContext(
      { ...samplePage(SAMPLE_BANNER), plans: [DRAFT_PLAN], referrals: [] },
      {
        ...extra,
        errors: [{ text: "The plan cannot be signed off yet: Assign an accountable lead professional." }],
      },
    ),
  },
  {
    name: "what the person added: one waiting to take in, two dealt with",
    context: carePlanTabContext(
      {
        ...samplePage(SAMPLE_BANNER),
        plans: [SIGNED_PLAN],
        referrals: [],
        contributions: CONTRIBUTIONS.contributions,
      },
      extra,
    ),
  },
  {
    name: "no plan",
    context: carePlanTabContext({ ...samplePage(QUIET_BANNER), plans: [], referrals: [] }, extra),
  },
];
