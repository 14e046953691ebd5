// Example contexts for person-referral-new.njk: the empty form, and one refused for want of consent.
import { referralFormContext } from "./care.context.ts";
import { SAMPLE_SERVICES } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "the form",
    context: referralFormContext(samplePage(SAMPLE_BANNER), SAMPLE_SERVICES, { csrf: "csrf-token" }),
  },
  {
    name: "refused without consent",
    context: referralFormContext(samplePage(SAMPLE_BANNER), SAMPLE_SERVICES, {
      csrf: "csrf-token",
      errors: [{ text: "Record the person's consent to the referral." }],
      form: { serviceCode: "reablement", reason: "Home after a fall", urgency: "urgent", consent: "" },
    }),
  },
];
