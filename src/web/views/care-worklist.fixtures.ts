// Example contexts for care-worklist.njk: items with one overdue and some withheld, and nothing waiting.
import { worklistContext } from "./care.context.ts";
import { SAMPLE_WORKLIST } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

export const fixtures: ViewFixture[] = [
  { name: "an overdue action and a referral to decide", context: worklistContext(SAMPLE_WORKLIST) },
  { name: "nothing waiting", context: worklistContext({ items: [], overdue: 0, withheld: 0 }) },
];
