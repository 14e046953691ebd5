// Example contexts for person-referral.njk: awaiting a decision (the receiving team's view), accepted
// reablement to complete with its episode, completed with the follow-up due, and as the referrer sees it.
import { referralContext } from "./care.context.ts";
import { SAMPLE_REFERRAL } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";

const page = (referral = SAMPLE_REFERRAL) => ({ ...samplePage(SAMPLE_BANNER), referral, discharges: [] });
const spells = [
  {
    value: "8b9c0d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e",
    text: "ZZA01: admitted 2016-01-02, discharged 2016-01-09",
  },
];

export const fixtures: ViewFixture[] = [
  {
    name: "awaiting a decision",
    context: referralContext(
      page({ ...SAMPLE_REFERRAL, status: "awaiting-decision", decidedBy: null, decidedAt: null }),
      {
        csrf: "csrf-token",
        receivingTeam: true,
      },
    ),
  },
  {
    name: "accepted reablement to complete",
    context: referralContext(page(), { csrf: "csrf-token", receivingTeam: true, spells }),
  },
  {
    name: "completed, follow-up due",
    context: referralContext(
      page({
        ...SAMPLE_REFERRAL,
        status: "completed",
        outcomeSummary: "Independent with personal care",
        episode: { startedOn: "2016-01-11", endedOn: "2016-02-05", afterSpellId: spells[0].value },
        followUp: { dueOn: "2016-04-09", outcome: null, recordedBy: null },
      }),
      { csrf: "csrf-token", receivingTeam: true },
    ),
  },
  {
    name: "as the referrer sees it",
    context: referralContext(page(), { csrf: "csrf-token", receivingTeam: false }),
  },
];
