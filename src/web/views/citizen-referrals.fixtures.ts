// Example contexts for citizen-referrals.njk: referrals in each state, and none.
import { referralsContext } from "./citizen.context.ts";
import { PERSON, REFERRALS, SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = SIGNED_IN("/citizen/referrals");
export const fixtures: ViewFixture[] = [
  { name: "referrals in each state", context: { ...shell, ...referralsContext(REFERRALS) } },
  { name: "no referrals", context: { ...shell, ...referralsContext({ person: PERSON, referrals: [] }) } },
];
