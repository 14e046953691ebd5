// Example contexts for mdt-schedule.njk: the empty form, and one refused for want of a date.
import type { ViewFixture } from "./fixtures.ts";
import { EMPTY_SCHEDULE, scheduleContext } from "./mdt.context.ts";

const cohorts = [{ cohortId: "frail-high-risk", description: "Frail and at high risk" }];

export const fixtures: ViewFixture[] = [
  { name: "the form", context: scheduleContext(cohorts, { csrf: "csrf-token" }) },
  {
    name: "refused without a date",
    context: scheduleContext(cohorts, {
      csrf: "csrf-token",
      errors: [{ text: "Enter the date of the meeting as a real date. For example, 27 3 2026." }],
      form: { ...EMPTY_SCHEDULE, title: "Monthly practice MDT", day: "31", month: "2", year: "2026" },
    }),
  },
];
