// Example contexts for reject.njk: an open HL7 reject, a dismissed CSV row, a replay that failed again and
// the dismiss form with an error.
import { CSRF, CSV_REJECT, REJECT } from "./backoffice.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { rejectContext } from "./reject.context.ts";

export const fixtures: ViewFixture[] = [
  { name: "an open HL7 reject", context: rejectContext(REJECT, CSRF) },
  { name: "a dismissed CSV row", context: rejectContext(CSV_REJECT, CSRF, { dismissed: true }) },
  { name: "replayed and rejected again", context: rejectContext(REJECT, CSRF, { replayed: "rejected" }) },
  {
    name: "the dismiss form with an error",
    context: rejectContext(REJECT, CSRF, {
      dismiss: { reason: "no", error: "Enter why you are dismissing it (at least 5 characters)" },
    }),
  },
];
